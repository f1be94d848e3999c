"""The demo world's organisations, sites and logins (``manage.py seed_demo``).

Every record is keyed by a natural key (USCC, site name, username) and written with
``update_or_create``, so seeding twice gives the same rows. Each app adds its own part in
``<app>/demo.py`` (``seed(world, *, units)``), called in app order by the command.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from .models import Industry, Organization, Role, Site
from .validators import USCC_CHARSET, gs1_check_digit, uscc_check_character

DEMO_PASSWORD = "demo-pass-2026"

# (username, role, organisation key or None, label)
DEMO_USERS = [
    {"username": "admin", "role": Role.STAFF, "org": None, "role_label": "platform staff (superuser)"},
    {"username": "maker", "role": Role.MANUFACTURER, "org": "M1", "role_label": "manufacturer: 江苏安盾防护用品有限公司"},
    {"username": "distributor", "role": Role.DISTRIBUTOR, "org": "D1", "role_label": "distributor: 华东劳保物资贸易有限公司"},
    {"username": "enterprise", "role": Role.ENTERPRISE, "org": "E1", "role_label": "user enterprise: 中石油华北油田分公司"},
    {"username": "lab", "role": Role.LABORATORY, "org": "L1", "role_label": "laboratory: 国家劳动防护用品质量检验检测中心"},
    {"username": "regulator", "role": Role.REGULATOR, "org": "R1", "role_label": "regulator: 应急管理部劳动防护用品监管处"},
    {"username": "auditor", "role": Role.AUDITOR, "org": None, "role_label": "auditor (read-only, API)"},
]

# key, name, region (GB/T 2260), kinds, industry
MANUFACTURERS = [
    ("M1", "江苏安盾防护用品有限公司", "320500"),
    ("M2", "浙江恒安劳保科技股份有限公司", "330100"),
    ("M3", "山东鲁安安全装备有限公司", "370200"),
    ("M4", "广东粤盾个体防护装备有限公司", "440300"),
    ("M5", "河北冀安高空安全器材有限公司", "130100"),
    ("M6", "上海申护呼吸防护科技有限公司", "310100"),
]
DISTRIBUTORS = [
    ("D1", "华东劳保物资贸易有限公司", "310100"),
    ("D2", "北方安全防护用品经销有限公司", "110100"),
    ("D3", "华南安全装备供应链有限公司", "440100"),
    ("D4", "西南劳动防护用品商贸有限公司", "510100"),
    ("D5", "华中安全器材批发有限公司", "420100"),
    ("D6", "西北劳保用品配送中心有限公司", "610100"),
    ("D7", "东北安全防护物资有限公司", "210100"),
    ("D8", "齐鲁劳保供应有限公司", "370100"),
    ("D9", "燕赵安全用品贸易有限公司", "130100"),
    ("D10", "苏南工业安全用品有限公司", "320200"),
]
ENTERPRISES = [
    ("E1", "中石油华北油田分公司", "130900", Industry.PETROLEUM),
    ("E2", "中石化胜利油田分公司", "370500", Industry.PETROLEUM),
    ("E3", "中海油天津分公司", "120100", Industry.PETROLEUM),
    ("E4", "延长石油集团炼化公司", "610600", Industry.PETROLEUM),
    ("E5", "万华化学集团股份有限公司", "370600", Industry.CHEMICAL),
    ("E6", "扬子石化化工有限公司", "320100", Industry.CHEMICAL),
    ("E7", "巨化集团氟化工有限公司", "330800", Industry.CHEMICAL),
    ("E8", "神东煤炭集团有限责任公司", "150600", Industry.COAL),
    ("E9", "兖矿能源集团股份有限公司", "370800", Industry.COAL),
    ("E10", "山西焦煤西山煤电集团", "140100", Industry.COAL),
    ("E11", "淮南矿业集团有限责任公司", "340400", Industry.COAL),
    ("E12", "国网江苏省电力有限公司", "320100", Industry.ELECTRIC_POWER),
    ("E13", "南方电网广州供电局", "440100", Industry.ELECTRIC_POWER),
    ("E14", "华能山东发电有限公司", "370100", Industry.ELECTRIC_POWER),
    ("E15", "宝山钢铁股份有限公司", "310100", Industry.METALLURGY),
    ("E16", "鞍钢股份有限公司", "210300", Industry.METALLURGY),
    ("E17", "河钢集团唐钢公司", "130200", Industry.METALLURGY),
    ("E18", "江西铜业集团有限公司", "360100", Industry.METALLURGY),
    ("E19", "徐工集团工程机械股份有限公司", "320300", Industry.MACHINERY),
    ("E20", "三一重工股份有限公司", "430100", Industry.MACHINERY),
    ("E21", "中国一拖集团有限公司", "410300", Industry.MACHINERY),
    ("E22", "潍柴动力股份有限公司", "370700", Industry.MACHINERY),
]
LABORATORIES = [
    ("L1", "国家劳动防护用品质量检验检测中心", "110100"),
    ("L2", "上海市劳动防护用品检测站", "310100"),
    ("L3", "广东省安全生产技术中心检测所", "440100"),
]
REGULATORS = [("R1", "应急管理部劳动防护用品监管处", "110100")]


def demo_uscc(key: str, region: str) -> str:
    """A well-formed, stable unified social credit code for a demo organisation."""
    digest = hashlib.sha256(key.encode()).digest()
    body = "".join(USCC_CHARSET[b % 31] for b in digest[:9])
    first17 = "91" + region + body
    return first17 + uscc_check_character(first17)


def demo_gln(number: int) -> str:
    payload = f"690123{number:06d}"
    return payload + gs1_check_digit(payload)


@dataclass
class World:
    """What the seeding steps hand each other: organisations and sites by key."""

    orgs: dict[str, Organization] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)


def seed_organizations() -> World:
    world = World()
    rows = (
        [(k, n, r, {"is_manufacturer": True}, "") for k, n, r in MANUFACTURERS]
        + [(k, n, r, {"is_distributor": True}, "") for k, n, r in DISTRIBUTORS]
        + [(k, n, r, {"is_enterprise": True}, ind) for k, n, r, ind in ENTERPRISES]
        + [(k, n, r, {"is_laboratory": True}, "") for k, n, r in LABORATORIES]
        + [(k, n, r, {"is_regulator": True}, "") for k, n, r in REGULATORS]
    )
    for index, (key, name, region, kinds, industry) in enumerate(rows, start=1):
        org, _ = Organization.objects.update_or_create(
            uscc=demo_uscc(key, region),
            defaults={"name": name, "region": region, "industry": industry, "alliance_member": key[0] in "MDL",
                      "gln": demo_gln(index), **kinds},
        )
        world.orgs[key] = org
        site_kind = {"M": Site.Kind.FACTORY, "D": Site.Kind.WAREHOUSE, "E": Site.Kind.STORE}.get(key[0], Site.Kind.OFFICE)
        site_name = {"M": "成品仓库", "D": "中心仓库", "E": "劳保用品库房"}.get(key[0], "办公楼")
        site, _ = Site.objects.update_or_create(
            organization=org, name=site_name,
            defaults={"kind": site_kind, "region": region, "gln": demo_gln(500 + index)},
        )
        world.sites[key] = site
        if key[0] == "E":
            workshop, _ = Site.objects.update_or_create(
                organization=org, name="一号作业区", defaults={"kind": Site.Kind.WORKSHOP, "region": region},
            )
            world.sites[key + ":workshop"] = workshop
    return world


def seed_users(world: World) -> None:
    User = get_user_model()
    for spec in DEMO_USERS:
        org = world.orgs.get(spec["org"]) if spec["org"] else None
        user, created = User.objects.get_or_create(username=spec["username"],
                                                   defaults={"role": spec["role"], "organization": org})
        user.role = spec["role"]
        user.organization = org
        user.is_staff = spec["role"] == Role.STAFF
        user.is_superuser = spec["role"] == Role.STAFF
        if created or not user.has_usable_password():
            user.set_password(DEMO_PASSWORD)
        user.save()
