"""Demo catalogue, batches, workers and a year of custody, all written through the custody services.

Idempotent: each step is skipped when its natural-key result already exists (units already
commissioned in a batch, the demo shipments, the recall), so seeding twice gives the same counts.
"""

from __future__ import annotations

import datetime

from traceability.demo import World
from traceability.validators import gs1_check_digit

from .models import Batch, Certificate, Holding, ProductCategory, ProductModel, Recall, Shipment, Unit, Worker

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
    from django.db import transaction

    seed_catalogue(world)
    seed_workers(world)
    with transaction.atomic():  # each command is still its own savepoint; one commit keeps SQLite fast
        seed_custody(world, units=units)


def seed_catalogue(world: World) -> None:
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
                          "valid_from": valid_from,
                          "valid_until": valid_from.replace(year=valid_from.year + 4) - datetime.timedelta(days=1),
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


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "强", "敏", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平", "刚", "辉", "鹏"]
POSTS = [("采油工", "采油一队"), ("电工", "运维班"), ("焊工", "检修车间"), ("高处作业工", "安装队"),
         ("井下采煤工", "综采队"), ("炉前工", "炼钢车间"), ("起重工", "吊装班"), ("巡检工", "运行部")]
WORKERS_PER_ENTERPRISE = 6
DEMO_REFERENCE = "DEMO-"


def seed_workers(world: World) -> None:
    """Six workers at every enterprise, keyed by (enterprise, employee number)."""
    n = 0
    for key, org in world.orgs.items():
        if not org.is_enterprise:
            continue
        for i in range(WORKERS_PER_ENTERPRISE):
            post, department = POSTS[(n + i) % len(POSTS)]
            Worker.objects.update_or_create(
                enterprise=org, employee_number=f"{key}-{i + 1:04d}",
                defaults={"name": SURNAMES[(n * 7 + i) % len(SURNAMES)] + GIVEN[(n + i * 5) % len(GIVEN)],
                          "post": post, "department": department})
        n += 1


def seed_custody(world: World, *, units: int) -> None:
    """Commission ``units`` serialized units across the batches, then move some of them down the chain.

    Per batch: about 60% go to a distributor, most of those on to two enterprises, where some are
    issued to workers, inspected (a few fail), retired or quarantined; one shipment stays in transit.
    Consumable batches move as quantities. One batch is recalled.
    """
    from .services import custody

    batches = list(Batch.objects.filter(product_model__gtin__in=[_gtin(i) for i in range(1, len(MODELS) + 1)])
                   .select_related("product_model__manufacturer", "product_model__category").order_by("pk"))
    serialized = [b for b in batches if not b.product_model.category.consumable]
    consumable = [b for b in batches if b.product_model.category.consumable]
    sites = {org.pk: world.sites.get(key) for key, org in world.orgs.items()}
    for index, batch in enumerate(serialized):
        target = units // len(serialized) + (1 if index < units % len(serialized) else 0)
        have = Unit.objects.filter(batch=batch).count()
        if target > have:
            maker = batch.product_model.manufacturer
            custody.unit_commission(batch=batch, count=target - have, actor=maker, site=sites.get(maker.pk))
    for batch in consumable:
        maker = batch.product_model.manufacturer
        if not Holding.objects.filter(batch=batch, holder=maker).exists():
            custody.batch_commission_quantity(batch=batch, quantity=5000, actor=maker, site=sites.get(maker.pk))
    if Shipment.objects.filter(reference__startswith=DEMO_REFERENCE).exists():
        return
    distributors = [o for k, o in sorted(world.orgs.items()) if o.is_distributor]
    enterprises = [world.orgs[f"E{i}"] for i in range(1, 23) if f"E{i}" in world.orgs]
    workers: dict[int, list[Worker]] = {}
    for worker in Worker.objects.filter(enterprise__in=enterprises).order_by("employee_number"):
        workers.setdefault(worker.enterprise_id, []).append(worker)
    for index, batch in enumerate(serialized):
        _move_serialized(custody, batch, index, distributors, enterprises, workers, sites)
    for index, batch in enumerate(consumable):
        _move_quantity(custody, batch, index, distributors, enterprises, workers, sites)
    if serialized and not Recall.objects.exists():
        victim = serialized[1]
        custody.recall_open(batches=[victim], actor=victim.product_model.manufacturer,
                            reason="抽查发现部分帽壳冲击吸收性能不合格", hazard="受冲击时可能无法有效保护头部")


def _send(custody, sender, receiver, ids, sites, reference, *, receive=True):
    shipment = custody.shipment_send(actor=sender, receiver=receiver, units=ids, from_site=sites.get(sender.pk),
                                     to_site=sites.get(receiver.pk), reference=reference)
    if receive:
        custody.shipment_receive(shipment=shipment, actor=receiver)
    return shipment


def _move_serialized(custody, batch, index, distributors, enterprises, workers, sites) -> None:
    maker = batch.product_model.manufacturer
    ids = list(Unit.objects.filter(batch=batch, holder=maker, status="commissioned").order_by("pk")
               .values_list("pk", flat=True))
    if len(ids) < 10:
        return
    distributor = distributors[index % len(distributors)]
    first = ids[: len(ids) * 6 // 10]
    _send(custody, maker, distributor, first, sites, f"{DEMO_REFERENCE}{batch.lot}-D")
    onward = first[: len(first) * 8 // 10]
    half = len(onward) // 2
    for n, part in enumerate((onward[:half], onward[half:])):
        enterprise = enterprises[(2 * index + n) % len(enterprises)]
        in_transit = index % 5 == 4 and n == 1
        _send(custody, distributor, enterprise, part, sites, f"{DEMO_REFERENCE}{batch.lot}-E{n}", receive=not in_transit)
        if in_transit or len(part) < 8:
            continue
        crew = workers.get(enterprise.pk, [])[: 2 + index % 2]
        issued = part[: len(part) // 2]
        for w, worker in enumerate(crew):
            share = issued[w::len(crew)]
            if share:
                custody.unit_issue(units=share, worker=worker, actor=enterprise)
        custody.unit_inspect(units=issued[: max(1, len(issued) // 5)], actor=enterprise, passed=True)
        custody.unit_inspect(units=issued[-2:-1], actor=enterprise, passed=False)
        custody.unit_retire(units=issued[-1:], actor=enterprise, reason=("impact", "end_of_life", "fall_arrested")[index % 3])
        custody.unit_quarantine(units=part[-1:], actor=enterprise, reason="外观检查发现裂纹，待复检")


def _move_quantity(custody, batch, index, distributors, enterprises, workers, sites) -> None:
    maker = batch.product_model.manufacturer
    distributor = distributors[(index + 3) % len(distributors)]
    enterprise = enterprises[(index * 3 + 1) % len(enterprises)]
    first = custody.shipment_send(actor=maker, receiver=distributor, quantities={batch: 2000},
                                  reference=f"{DEMO_REFERENCE}{batch.lot}-D")
    custody.shipment_receive(shipment=first, actor=distributor)
    second = custody.shipment_send(actor=distributor, receiver=enterprise, quantities={batch: 1200},
                                   reference=f"{DEMO_REFERENCE}{batch.lot}-E")
    custody.shipment_receive(shipment=second, actor=enterprise)
    for worker in workers.get(enterprise.pk, [])[:3]:
        custody.holding_issue(batch=batch, quantity=20, worker=worker, actor=enterprise)
