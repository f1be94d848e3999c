"""Public pages, the analysis aggregation, knowledge for a category, covers and the admin preview."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from news import services
from news.models import Article
from news.selectors import case_statistics, knowledge_for_category
from products.tests.factories import ProductCategoryFactory
from traceability.models import Role
from traceability.tests.factories import UserFactory

from .factories import AccidentCaseFactory, ArticleFactory


def _case(slug, industry, accident_type, ppe_role, year, fatalities=0, injuries=0, **article):
    return AccidentCaseFactory(article__slug=slug, article__industry=industry, accident_type=accident_type,
                               ppe_role=ppe_role, occurred_on=datetime.date(year, 6, 1), fatalities=fatalities,
                               injuries=injuries, **{f"article__{k}": v for k, v in article.items()})


@pytest.fixture
def cases():
    _case("c1", "construction", "fall_from_height", "not_worn", 2023, fatalities=1)
    _case("c2", "construction", "struck_by_object", "worn_wrongly", 2024, fatalities=1, injuries=1)
    _case("c3", "electric_power", "electric_shock", "expired", 2024, fatalities=2)
    _case("c4", "chemical", "poisoning_asphyxiation", "not_worn", 2024, injuries=3)
    _case("c5", "chemical", "burns", "not_worn", 2025, status=Article.Status.DRAFT)  # not public


@pytest.mark.django_db
def test_case_statistics_one_grouped_query_per_chart(cases, django_assert_num_queries):
    with django_assert_num_queries(4), translation.override("en"):
        stats = case_statistics()

    assert [(r["key"], r["cases"], r["fatalities"], r["injuries"]) for r in stats["industry"]] == [
        ("construction", 2, 2, 1), ("chemical", 1, 0, 3), ("electric_power", 1, 2, 0)]
    assert [(r["key"], r["cases"]) for r in stats["ppe_role"]] == [("not_worn", 2), ("expired", 1), ("worn_wrongly", 1)]
    assert [(r["key"], r["cases"]) for r in stats["year"]] == [(2023, 1), (2024, 3)]
    assert [r["key"] for r in stats["accident_type"]] == [
        "electric_shock", "fall_from_height", "poisoning_asphyxiation", "struck_by_object"]
    assert stats["ppe_role"][0]["label"] == "Not worn"
    with translation.override("zh-hans"):
        assert case_statistics()["ppe_role"][0]["label"] == "未佩戴"


@pytest.mark.django_db
def test_analysis_page_uses_local_chart_library_and_has_tables(client, cases):
    response = client.get("/news/analysis/", HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<script src="/static/vendor/chartjs/chart.umd.min.js"></script>' in html
    # Every script and stylesheet comes from this site: no CDN at run time.
    assert re.findall(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//', html) == []
    assert html.count('<table class="striped">') == 4
    assert html.count("<canvas ") == 4
    assert '<script id="case-stats" type="application/json">' in html
    assert "illustrative composites" in html
    assert "<strong>4</strong>" in html  # public cases (the draft is not counted)


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "expected"), [
    ("", ["c4", "c3", "c2", "c1", "k1"]),
    ("?kind=knowledge", ["k1"]),
    ("?kind=case&industry=chemical", ["c4"]),
    ("?category=harness", ["k1"]),
    ("?q=%E5%AE%89%E5%85%A8%E5%B8%A6%E6%A3%80%E6%9F%A5", ["k1"]),  # 安全带检查
    ("?kind=bogus", ["c4", "c3", "c2", "c1", "k1"]),  # an invalid filter is ignored on the page
])
def test_list_filters(client, cases, query, expected):
    k1 = ArticleFactory(slug="k1", title="安全带检查", published_at=timezone.now() - datetime.timedelta(days=30))
    k1.categories.add(ProductCategoryFactory(code="harness", name="安全带"))

    response = client.get(f"/news/{query}")

    assert response.status_code == 200
    assert [a.slug for a in response.context["page"].object_list] == expected


@pytest.mark.django_db
def test_case_page_shows_facts_and_draft_is_404(client, cases):
    response = client.get("/news/c3/", HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Expired or overdue for test" in html
    assert "2 dead, 0 injured" in html
    assert "GB 6095-2021" in html
    assert client.get("/news/c5/").status_code == 404


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_articles(client, django_assert_max_num_queries):
    for n in range(12):
        AccidentCaseFactory(article__slug=f"many-{n}")
    with django_assert_max_num_queries(8):
        assert client.get("/news/").status_code == 200


@pytest.mark.django_db
def test_knowledge_for_category_orders_knowledge_first_and_hides_drafts(client):
    harness = ProductCategoryFactory(code="harness", name="安全带")
    now = timezone.now()
    case = AccidentCaseFactory(article__slug="case-new", article__published_at=now - datetime.timedelta(hours=1)).article
    old_k = ArticleFactory(slug="k-old", published_at=now - datetime.timedelta(days=9))
    new_k = ArticleFactory(slug="k-new", published_at=now - datetime.timedelta(days=1))
    news = ArticleFactory(slug="n", kind="news")
    draft = ArticleFactory(slug="k-draft", status=Article.Status.DRAFT)
    other = ArticleFactory(slug="k-other")
    for a in (case, old_k, new_k, news, draft):
        a.categories.add(harness)
    other.categories.add(ProductCategoryFactory(code="helmet", name="安全帽"))

    assert [a.slug for a in knowledge_for_category(harness)] == ["k-new", "k-old", "case-new", "n"]
    assert [a.slug for a in knowledge_for_category("harness", limit=2)] == ["k-new", "k-old"]
    page = client.get("/news/category/harness/")
    assert [a.slug for a in page.context["articles"]] == ["k-new", "k-old", "case-new", "n"]
    assert client.get("/news/category/jetpack/").status_code == 404


def _image(fmt: str, size=(3000, 2000), mode="RGB") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30)).save(out, format=fmt)
    return SimpleUploadedFile(f"x.{fmt.lower()}", out.getvalue())


def test_cover_is_resized_and_reencoded():
    processed = services.cover_process(_image("PNG", mode="RGBA"), name="Helmet cover")

    with Image.open(processed) as image:
        assert (image.format, image.size) == ("JPEG", (1350, 900))
    assert processed.name == "helmet-cover.jpg"


@pytest.mark.parametrize("upload", [
    SimpleUploadedFile("x.png", b"<script>not an image</script>"),
    _image("GIF", size=(10, 10), mode="P"),
])
def test_cover_rejects_what_is_not_a_jpeg_png_or_webp(upload):
    with pytest.raises(ValidationError) as exc:
        services.cover_process(upload)
    assert list(exc.value.message_dict) == ["cover"]


@pytest.mark.django_db
def test_admin_preview_is_staff_only_and_sanitized(client):
    response = client.post("/admin/news/article/preview/", {"markdown": "**b**<script>x()</script>"})
    assert response.status_code == 302  # to the login page

    client.force_login(UserFactory(role=Role.ENTERPRISE, is_staff=False))
    assert client.post("/admin/news/article/preview/", {"markdown": "x"}).status_code == 302

    admin = UserFactory(role=Role.STAFF, organization=None, is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post("/admin/news/article/preview/", {"markdown": "**b**<script>x()</script>"})
    assert response.json() == {"html": "<p><strong>b</strong></p>"}
    assert client.get("/admin/news/article/add/").status_code == 200


@pytest.mark.django_db
def test_admin_add_renders_markdown_and_resizes_cover(client):
    ProductCategoryFactory(code="harness", name="安全带")
    admin = UserFactory(role=Role.STAFF, organization=None, is_staff=True, is_superuser=True)
    client.force_login(admin)
    data = {
        "kind": "knowledge", "language": "zh-hans", "title": "新知识", "slug": "new-knowledge", "summary": "",
        "body_markdown": "## 标题\n\n<img src=x onerror=alert(1)>", "cover": _image("PNG"), "cover_alt": "封面",
        "status": "published", "published_at_0": "", "published_at_1": "", "source": "", "industry": "",
        "case-TOTAL_FORMS": "0", "case-INITIAL_FORMS": "0", "case-MIN_NUM_FORMS": "0", "case-MAX_NUM_FORMS": "1",
    }

    response = client.post("/admin/news/article/add/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    article = Article.objects.get(slug="new-knowledge")
    assert article.body_html == '<h2>标题</h2>\n<p><img src="x" loading="lazy"></p>'
    assert (article.author, article.status, article.published_at is not None) == (admin, "published", True)
    with Image.open(article.cover) as image:
        assert (image.format, image.size) == ("JPEG", (1350, 900))


@pytest.mark.django_db
def test_related_knowledge_and_category_tag_for_other_pages(client):
    from django.template import Context, Template

    harness = ProductCategoryFactory(code="harness", name="安全带")
    now = timezone.now()
    case = AccidentCaseFactory(article__slug="case-h", article__published_at=now - datetime.timedelta(days=2)).article
    knowledge = ArticleFactory(slug="k-h", title="安全带检查", published_at=now - datetime.timedelta(days=1))
    hidden = ArticleFactory(slug="k-hidden", title="草稿", status=Article.Status.DRAFT)
    for a in (case, knowledge, hidden):
        a.categories.add(harness)

    page = client.get("/news/case-h/")
    assert [a.slug for a in page.context["related"]] == ["k-h"]

    html = Template("{% load news_tags %}{% category_knowledge category %}").render(Context({"category": harness}))
    assert '<a href="/news/k-h/">安全带检查</a>' in html
    assert '<a href="/news/case-h/">' in html
    assert "k-hidden" not in html
    assert '<a href="/news/category/harness/">' in html
    assert Template("{% load news_tags %}{% category_knowledge 'jetpack' %}").render(Context()).strip() == ""


@pytest.mark.django_db
def test_cover_is_served_for_public_articles_only(client):
    public = services.article_create(kind="news", title="t", slug="with-cover", body_markdown="x",
                                     status="published", cover_upload=_image("PNG", size=(800, 600)))
    services.article_create(kind="news", title="t", slug="draft-cover", body_markdown="x",
                            cover_upload=_image("PNG", size=(800, 600)))

    url = public.cover_url
    assert url.startswith("/news/with-cover/cover.jpg?v=")
    assert url in client.get("/news/").content.decode()
    response = client.get(url)
    assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as image:
        assert image.size == (800, 600)
    assert client.get("/news/draft-cover/cover.jpg").status_code == 404
    assert client.get("/news/article-without/cover.jpg").status_code == 404
