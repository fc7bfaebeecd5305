"""System store documents besides users: log entries and the synchronisation job queue."""

from __future__ import annotations

from mongoengine import DateTimeField, DictField, Document, IntField, ListField, StringField

from models.base import utcnow
from models.ids import new_id


class LogEntry(Document):
    meta = {
        "collection": "log_entries",
        "indexes": [
            "-at",
            ("level", "-at"),
            ("action", "-at"),
            ("entity_type", "entity_id"),
            ("actor", "-at"),
            "request_id",
        ],
    }

    id = StringField(primary_key=True, default=new_id)
    at = DateTimeField(required=True, default=utcnow)
    level = StringField(required=True, choices=("debug", "info", "warning", "error"))
    action = StringField(required=True)
    entity_type = StringField()
    entity_id = StringField()
    actor = StringField()
    request_id = StringField()
    message = StringField(default="")
    data = DictField()


class SyncJob(Document):
    meta = {"collection": "sync_jobs", "indexes": [("kind", "status"), "-created_at"]}

    id = StringField(primary_key=True, default=new_id)
    kind = StringField(required=True)
    status = StringField(required=True, default="queued", choices=("queued", "running", "succeeded", "failed"))
    created_at = DateTimeField(required=True, default=utcnow)
    started_at = DateTimeField()
    finished_at = DateTimeField()
    progress = IntField(default=0, min_value=0, max_value=100)
    errors = ListField(StringField())
    requested_by = StringField()
