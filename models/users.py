"""User accounts (system store). Emails are stored lower-cased; the unique index enforces one per address."""

from __future__ import annotations

from mongoengine import BooleanField, DateTimeField, Document, StringField

from models.base import utcnow
from models.ids import new_id

ROLES = ("traveler", "agency", "financial", "it")


class User(Document):
    meta = {"collection": "users", "indexes": [{"fields": ["email"], "unique": True}, "role"]}

    id = StringField(primary_key=True, default=new_id)
    email = StringField(required=True, max_length=320)
    name = StringField(required=True, max_length=200)
    role = StringField(required=True, choices=ROLES)
    password_hash = StringField(required=True)
    email_confirmed = BooleanField(default=False)
    created_at = DateTimeField(required=True, default=utcnow)
