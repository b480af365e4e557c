"""A small Flask shop. Every mistake here works on one laptop process and breaks in
production, where several processes on several machines serve the same users."""

import os
import sqlite3
import threading

from flask import Flask, jsonify, request, send_file
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_socketio import SocketIO, emit

app = Flask(__name__)
app.config["CACHE_TYPE"] = "SimpleCache"
cache = Cache(app)
limiter = Limiter(get_remote_address, app=app)
socketio = SocketIO(app)

UPLOAD_DIR = os.path.join(os.path.dirname(__file__), "uploads")
carts = {}
online_users = set()
visits = 0


def db():
    return sqlite3.connect("shop.db")


@app.post("/cart/<sku>")
def add_to_cart(sku):
    carts.setdefault(request.cookies["sid"], []).append(sku)
    return jsonify(carts[request.cookies["sid"]])


@app.get("/")
def index():
    global visits
    visits += 1
    return f"Welcome, visitor {visits}"


@app.post("/products/<int:product_id>/photo")
def upload_photo(product_id):
    photo = request.files["photo"]
    photo.save(os.path.join(UPLOAD_DIR, f"{product_id}.jpg"))
    return "saved", 201


@app.post("/orders")
def place_order():
    order = request.get_json()
    with db() as connection:
        connection.execute("insert into orders(body) values (?)", (str(order),))
    threading.Thread(target=send_confirmation, args=(order["email"],)).start()
    return "ok", 202


@app.get("/report")
def report():
    with open("report.csv", "w") as handle:
        handle.write("sku,count\n")
    return send_file("report.csv")


def send_confirmation(email):
    """Would be lost if the process is killed before it runs."""


@socketio.on("join")
def on_join(data):
    online_users.add(request.sid)
    emit("joined", {"count": len(online_users)})


if __name__ == "__main__":
    socketio.run(app)
