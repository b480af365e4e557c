"""Views of the blog."""

import multiprocessing

from django.http import HttpResponse, JsonResponse
from django.views import View

from blog.models import Post

page_views = multiprocessing.Value("i", 0)
drafts_by_author = {}


def save_draft(request):
    drafts_by_author[request.user.pk] = request.POST["body"]
    return HttpResponse(status=204)


class PopularPosts(View):
    recently_read = []

    def get(self, request, slug):
        post = Post.objects.get(slug=slug)
        self.recently_read.append(post.pk)
        with page_views.get_lock():
            page_views.value += 1
        return JsonResponse({"recent": self.recently_read[-5:]})
