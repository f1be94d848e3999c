"""Demo catalogue: categories, product models, certificates and batches."""

from __future__ import annotations

import datetime

from traceability.demo import World
from traceability.validators import gs1_check_digit

from .models import Batch, Certificate, ProductCategory, ProductModel

CATEGORIES = [
    # code, name, English, LA code, consumable, service life, shelf life (months), inspection (days)
    ("helmet", "安全帽", "Safety helmet", "101", False, 30, 36, 90),
    ("respirator", "自吸过滤式防颗粒物呼吸器", "Particle respirator", "201", True, None, 36, None),
    ("harness", "坠落防护安全带", "Fall-arrest harness", "601", False, 60, 60, 180),
    ("safety_footwear", "安全鞋", "Safety footwear", "501", False, 24, 36, 180),
    ("insulating_footwear", "电绝缘鞋", "Insulating footwear", "505", False, 24, 36, 180),
    ("insulating_gloves", "带电作业用绝缘手套", "Insulating gloves", "", False, 24, 36, 180),
]

# maker key, category, name, model number, specification, standard, claims
MODELS = [
    ("M1", "helmet", "ABS 安全帽", "AD-H301", "ABS, 一字型, 带透气孔", "GB 2811-2019", {"class": "普通型", "extras": ["电绝缘"]}),
    ("M2", "helmet", "玻璃钢安全帽", "HA-FRP08", "FRP, 耐高温", "GB 2811-2019", {"class": "普通型", "extras": ["阻燃"]}),
    ("M6", "respirator", "KN95 折叠式防颗粒物口罩", "SH-9501", "折叠式, 带呼气阀", "GB 2626-2019", {"class": "KN95"}),
    ("M6", "respirator", "KP100 半面罩滤棉", "SH-P100", "可更换式半面罩", "GB 2626-2019", {"class": "KP100"}),
    ("M5", "harness", "全身式坠落悬挂安全带", "JA-Z600", "五点式, 双钩缓冲", "GB 6095-2021", {"class": "Z", "extras": ["F"]}),
    ("M3", "safety_footwear", "防砸防刺穿安全鞋", "LA-S3", "钢包头, 钢底, 防静电", "GB 21148-2020", {"class": "SB", "extras": ["P", "A"]}),
    ("M4", "insulating_footwear", "6kV 电绝缘皮鞋", "YD-6KV", "6kV 绝缘, 牛皮", "GB 21148-2020", {"class": "6kV"}),
    ("M4", "insulating_gloves", "2级带电作业绝缘手套", "YD-G2", "橡胶, 2级, 17kV", "GB/T 17622-2008", {"class": "2"}),
]


def _gtin(index: int) -> str:
    payload = f"0690123400{index:03d}"
    return payload + gs1_check_digit(payload)


def seed(world: World, *, units: int) -> None:
    categories = {}
    for code, name, name_en, la_code, consumable, life, shelf, inspect in CATEGORIES:
        categories[code], _ = ProductCategory.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "la_code": la_code, "consumable": consumable,
                                 "service_life_months": life, "shelf_life_months": shelf,
                                 "inspection_interval_days": inspect})
    today = datetime.date.today()
    for index, (maker, category, name, number, spec, standard, claims) in enumerate(MODELS, start=1):
        model, _ = ProductModel.objects.update_or_create(
            gtin=_gtin(index),
            defaults={"manufacturer": world.orgs[maker], "category": categories[category], "name": name,
                      "model_number": number, "specification": spec, "standard": standard,
                      "declared_claims": claims})
        la_code = categories[category].la_code
        if la_code:
            # Every other model's certificate has expired, so the verdicts have something to catch.
            expired = index % 4 == 0
            valid_from = today.replace(year=today.year - (5 if expired else 1), month=1, day=1)
            province = world.orgs[maker].region[:2]
            cert, _ = Certificate.objects.update_or_create(
                kind=Certificate.Kind.LA_MARK, number=f"{valid_from:%y}-{province}-{la_code}{index:03d}",
                defaults={"manufacturer": world.orgs[maker], "issuer": "中国安全生产科学研究院安全标志管理中心",
                          "valid_from": valid_from, "valid_until": valid_from.replace(year=valid_from.year + 4) - datetime.timedelta(days=1),
                          "scope": f"{name} {number}"})
            cert.product_models.add(model)
        licence, _ = Certificate.objects.update_or_create(
            kind=Certificate.Kind.PRODUCTION_LICENCE, number=f"XK16-{index:03d}-{2024000 + index}",
            defaults={"manufacturer": world.orgs[maker], "issuer": "省市场监督管理局",
                      "valid_from": datetime.date(2024, 1, 1), "valid_until": datetime.date(2028, 12, 31)})
        licence.product_models.add(model)
        for months_ago in (14, 6, 2):
            production = (today.replace(day=1) - datetime.timedelta(days=30 * months_ago))
            shelf = categories[category].shelf_life_months or 36
            Batch.objects.update_or_create(
                product_model=model, lot=f"{production:%y%m}{index:02d}",
                defaults={"production_date": production,
                          "expiry_date": production + datetime.timedelta(days=30 * shelf)})
