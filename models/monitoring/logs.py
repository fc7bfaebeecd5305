"""System log entries (system store): one per mutation and significant event."""

from __future__ import annotations

from mongoengine import DateTimeField, DictField, Document, StringField

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
