"""Demo news: 37 public articles (17 accident cases), one scheduled for next week and one draft.

Idempotent: every article is upserted by slug through the services (so bodies are rendered and
sanitized exactly as an editor's would be); covers are drawn once and kept on later runs.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from products.models import ProductCategory
from traceability.demo import World

from . import services
from .demo_content import CASES, ENGLISH, KNOWLEDGE, NEWS
from .models import Article

KIND_COLOURS = {"case": (179, 38, 30), "knowledge": (27, 127, 59), "news": (21, 101, 192)}

EXTRA = [
    {
        "slug": "survey-2027-key-industries", "kind": "news", "days": -7, "status": Article.Status.SCHEDULED,
        "industry": "", "categories": [], "tags": ["联盟动态"],
        "title": "2027 年度重点行业个体防护装备配备调研即将启动",
        "summary": "定时发布的演示文章：发布时间到了才会出现在列表、订阅和接口中。",
        "body": "联盟将于明年对石油、化工、煤炭、电力、冶金、机械、建筑七个重点行业开展配备情况调研。\n\n*（演示数据）*",
    },
    {
        "slug": "draft-glove-selection-guide", "kind": "knowledge", "days": None, "status": Article.Status.DRAFT,
        "industry": "", "categories": [], "tags": ["手部防护"],
        "title": "（草稿）防护手套选用指南",
        "summary": "草稿不会出现在公开页面。",
        "body": "编写中。",
    },
]


def _cover(kind: str, index: int) -> SimpleUploadedFile:
    """A simple drawn cover (kind colour, a hazard stripe band, a helmet-like dome)."""
    base = KIND_COLOURS[kind]
    # A soft vertical gradient: a greyscale ramp used as the mask between the colour and a darker one.
    ramp = Image.linear_gradient("L").resize((1600, 900))
    image = Image.composite(Image.new("RGB", (1600, 900), tuple(int(c * 0.6) for c in base)),
                            Image.new("RGB", (1600, 900), base), ramp)
    draw = ImageDraw.Draw(image)
    for x in range(-200, 1600, 110):  # hazard stripes along the bottom
        draw.polygon([(x, 900), (x + 55, 900), (x + 145, 775), (x + 90, 775)], fill=(245, 196, 0))
    cx = 150 + (index * 210) % 800
    draw.pieslice([cx, 270, cx + 470, 740], 180, 360, fill=(255, 255, 255))
    draw.rectangle([cx - 35, 500, cx + 505, 532], fill=(255, 255, 255))
    draw.ellipse([1290 - index * 37 % 270, 70, 1470 - index * 37 % 270, 250], outline=(255, 255, 255), width=12)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return SimpleUploadedFile(f"cover-{kind}-{index}.jpg", out.getvalue(), content_type="image/jpeg")


def _fields(entry: dict[str, Any], kind: str, now: datetime.datetime) -> dict[str, Any]:
    days = entry["days"]
    status = entry.get("status", Article.Status.PUBLISHED)
    published_at = None if days is None else (now - datetime.timedelta(days=days)).replace(microsecond=0)
    return {"kind": entry.get("kind", kind), "language": entry.get("language", Article.Language.ZH_HANS),
            "title": entry["title"], "summary": entry["summary"], "body_markdown": entry["body"].strip(),
            "industry": entry["industry"], "status": status, "published_at": published_at,
            "source": entry.get("source", "联盟安全技术委员会（演示）")}


def seed(world: World, *, units: int) -> None:
    """Upsert the demo articles by slug; draws covers for the first few of each kind."""
    now = timezone.now()
    # Link only the categories the catalogue has, so a renamed category never stops the seeding.
    known = set(ProductCategory.objects.values_list("code", flat=True))
    groups = [("case", CASES), ("knowledge", KNOWLEDGE), ("news", NEWS), ("news", ENGLISH), ("news", EXTRA)]
    for kind, entries in groups:
        for index, entry in enumerate(entries):
            fields = _fields(entry, kind, now)
            case = entry.get("case")
            categories = [code for code in entry["categories"] if code in known]
            existing = Article.objects.filter(slug=entry["slug"]).first()
            if existing is None:
                cover = _cover(fields["kind"], index) if index < 6 and entries is not EXTRA else None
                services.article_create(slug=entry["slug"], categories=categories, tags=entry["tags"],
                                        case=case, cover_upload=cover, cover_alt="", **fields)
            else:
                # Same rows on every run: fields reset to the demo's values (status included).
                Article.objects.filter(pk=existing.pk).update(status=fields["status"])
                existing.refresh_from_db()
                services.article_update(article=existing, categories=categories, tags=entry["tags"],
                                        case=case, **fields)
