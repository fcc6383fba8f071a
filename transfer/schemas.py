"""One line of ``export_comments``: the API's comment (``api.schemas.CommentOut``) and what an import needs.

The same declaration writes the export and checks each line the import reads back, so the two cannot drift.
"""

from __future__ import annotations

from typing import Literal

from ninja import Schema
from pydantic import Field

from api.schemas import CommentOut

Source = Literal["disqus", "wordpress", "newsroom"]
SOURCE_ID_MAX = 200


class StoryRef(Schema):
    url: str = Field(min_length=1, max_length=500, description="The story's address: on its own site, or here")
    title: str


class SourceRef(Schema):
    source: Source
    source_id: str = Field(min_length=1, max_length=SOURCE_ID_MAX)


class ExportedComment(CommentOut):
    status: Literal["published", "held", "rejected", "removed"]
    story: StoryRef
    source: Source = Field(description="Where the comment was first written: 'newsroom' for this site")
    source_id: str = Field(min_length=1, max_length=SOURCE_ID_MAX, description="Its id there")
    parent: SourceRef | None = Field(description="The comment it answers, named as this one is")
    author_email: str = Field(default="", max_length=254, description="Empty unless exported with --emails")
