"""The synchronisation job queue (system store)."""

from __future__ import annotations

from mongoengine import DateTimeField, Document, IntField, ListField, StringField

from models.base import utcnow
from models.ids import new_id


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
