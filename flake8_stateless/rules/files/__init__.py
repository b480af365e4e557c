"""SLS2xx: local filesystem persistence."""

from __future__ import annotations

from flake8_stateless.registry import Rule
from flake8_stateless.rules.files import (
    sls201_local_file_write,
    sls202_upload_saved_locally,
    sls203_local_database_file,
    sls204_filesystem_backend,
    sls205_temp_file_leaked,
)

RULES: tuple[Rule, ...] = (
    sls201_local_file_write.RULE,
    sls202_upload_saved_locally.RULE,
    sls203_local_database_file.RULE,
    sls204_filesystem_backend.RULE,
    sls205_temp_file_leaked.RULE,
)
