"""Reference data: standard editions and their test items with limits, source and confidence.

Values come from the platform's PPE domain notes (§1.3, §2.1, Appendix B); each row keeps the
notes' confidence tag: V verified, S one secondary source, U unconfirmed (check before it decides
a legal verdict). Editing happens in the admin afterwards; this migration only seeds (upsert by
natural key) and its reverse removes nothing an editor may have changed by hand.
"""

import datetime

from django.db import migrations

D = datetime.date
NOTES = "PPE domain notes"

# designation, code, year, title, title_en, jurisdiction, mandatory, effective, withdrawn, superseded_by, confidence
STANDARDS = [
    ("GB 2811-2007", "GB 2811", 2007, "安全帽", "Safety helmets", "CN", True, D(2007, 11, 1), D(2020, 7, 1), "GB 2811-2019", "U"),
    ("GB 2811-2019", "GB 2811", 2019, "头部防护 安全帽", "Head protection — Safety helmets", "CN", True, D(2020, 7, 1), None, None, "V"),
    ("GB 2626-2006", "GB 2626", 2006, "呼吸防护用品 自吸过滤式防颗粒物呼吸器", "Respiratory protection — Non-powered air-purifying particle respirators", "CN", True, D(2006, 12, 1), D(2020, 7, 1), "GB 2626-2019", "U"),
    ("GB 2626-2019", "GB 2626", 2019, "呼吸防护 自吸过滤式防颗粒物呼吸器", "Respiratory protection — Non-powered air-purifying particle respirators", "CN", True, D(2020, 7, 1), None, None, "V"),
    ("GB 6095-2009", "GB 6095", 2009, "安全带", "Safety belts", "CN", True, D(2009, 12, 1), D(2022, 9, 1), "GB 6095-2021", "U"),
    ("GB 6095-2021", "GB 6095", 2021, "坠落防护 安全带", "Fall protection — Safety harness", "CN", True, D(2022, 9, 1), None, None, "V"),
    ("GB 12011-2009", "GB 12011", 2009, "足部防护 电绝缘鞋", "Foot protection — Electrically insulating footwear", "CN", True, D(2009, 12, 1), D(2021, 8, 1), "GB 21148-2020", "U"),
    ("GB 21148-2020", "GB 21148", 2020, "足部防护 安全鞋", "Foot protection — Safety footwear", "CN", True, D(2021, 8, 1), None, None, "V"),
    ("GB/T 17622-2008", "GB/T 17622", 2008, "带电作业用绝缘手套", "Insulating gloves for live working", "CN", False, D(2009, 8, 1), None, None, "U"),
    ("EN 397:2012+A1:2012", "EN 397", 2012, "Industrial safety helmets", "Industrial safety helmets", "EU", True, D(2012, 11, 1), None, None, "S"),
    ("EN 149:2001+A1:2009", "EN 149", 2009, "Filtering half masks to protect against particles", "Filtering half masks to protect against particles", "EU", True, D(2009, 9, 1), None, None, "V"),
    ("EN 361:2002", "EN 361", 2002, "Full body harnesses", "Full body harnesses", "EU", True, D(2002, 9, 1), None, None, "S"),
    ("EN 388:2016+A1:2018", "EN 388", 2016, "Protective gloves against mechanical risks", "Protective gloves against mechanical risks", "EU", True, D(2016, 11, 1), None, None, "V"),
]


def item(code, name, name_en, unit, cmp, low=None, high=None, clause="", applies=(), required=True,
         importance="B", conf="S", source=NOTES, k=None, n=None, levels=()):
    return {"code": code, "name": name, "name_en": name_en, "unit": unit, "comparator": cmp, "limit_min": low,
            "limit_max": high, "clause": clause, "applies_to": list(applies), "required": required,
            "importance": importance, "confidence": conf, "source": source, "k": k, "n": n, "levels": list(levels)}


def helmet_impacts(limit, clause, conf):
    return [
        item("impact_hot", "冲击吸收性能（高温 50℃）", "Impact force after +50 °C", "N", "le", high=limit, clause=clause, importance="A", conf=conf),
        item("impact_cold", "冲击吸收性能（低温 −10℃）", "Impact force after −10 °C", "N", "le", high=limit, clause=clause, importance="A", conf=conf),
        item("impact_wet", "冲击吸收性能（浸水）", "Impact force after water immersion", "N", "le", high=limit, clause=clause, importance="A", conf=conf),
        item("impact_uv", "冲击吸收性能（紫外线照射）", "Impact force after UV ageing", "N", "le", high=limit, clause=clause, importance="A", conf=conf),
    ]


ITEMS = {
    "GB 2811-2019": helmet_impacts(4900, "5.2", "V") + [
        item("impact_fragments", "冲击后帽壳碎片脱落", "No shell fragments after impact", "", "pass_fail", clause="5.2", importance="A", conf="V"),
        item("penetration", "耐穿刺性能（钢锥不触头模）", "Penetration: cone does not touch headform", "", "pass_fail", clause="5.2", importance="A", conf="V"),
        item("chin_strap", "下颏带强度", "Chin-strap breaking force", "N", "range", 150, 250, "5.2", conf="V"),
        item("mass", "质量（普通型）", "Mass, ordinary helmet", "g", "le", high=430, clause="5.2.6", applies=["普通型"], conf="V"),
        item("mass_cold", "质量（防寒型）", "Mass, cold-weather helmet", "g", "le", high=600, clause="5.2.6", applies=["防寒型"], conf="V"),
        item("wearing_height", "佩戴高度", "Wearing height", "mm", "ge", low=80, clause="5.2.9", conf="S"),
        item("vertical_clearance", "垂直间距", "Vertical clearance", "mm", "le", high=50, clause="5.2", conf="V"),
        item("horizontal_clearance", "水平间距", "Horizontal clearance", "mm", "ge", low=6, clause="5.2", conf="S"),
        item("peak", "帽舌", "Peak", "mm", "le", high=70, clause="5.2", required=False, importance="C", conf="S"),
        item("brim", "帽沿", "Brim", "mm", "le", high=70, clause="5.2", required=False, importance="C", conf="V"),
        item("flame_afterflame", "阻燃性能（续燃时间）", "Flame resistance: afterflame", "s", "le", high=5, clause="5.3", applies=["阻燃"], conf="S"),
        item("lateral_rigidity_max", "侧向刚性（最大变形）", "Lateral rigidity: max deformation", "mm", "le", high=40, clause="5.3", applies=["侧向刚性", "LD"], conf="S"),
        item("lateral_rigidity_residual", "侧向刚性（残余变形）", "Lateral rigidity: residual deformation", "mm", "le", high=15, clause="5.3", applies=["侧向刚性", "LD"], conf="S"),
        item("insulation_leakage", "电绝缘性能（泄漏电流）", "Electrical insulation: leakage current", "mA", "le", high=1.2, clause="5.3.5", applies=["电绝缘"], conf="S"),
        item("antistatic_resistance", "防静电性能（表面电阻）", "Antistatic: surface resistance", "Ω", "le", high=1e9, clause="5.3.6", applies=["防静电"], conf="U"),
        item("impact_low_temp", "低温（−20℃）冲击吸收性能", "Impact force at −20 °C (low-temperature type)", "N", "le", high=4900, clause="5.3.3", applies=["低温"], conf="S"),
        item("impact_very_high_temp", "耐极高温（150℃）冲击吸收性能", "Impact force at +150 °C", "N", "le", high=4900, clause="5.3.4", applies=["耐极高温"], conf="S"),
        item("molten_metal", "耐熔融金属飞溅", "Molten metal splash", "", "pass_fail", clause="5.3.7", applies=["耐熔融金属"], conf="U"),
    ],
    "GB 2811-2007": helmet_impacts(4900, "4.2", "V") + [
        item("penetration", "耐穿刺性能", "Penetration", "", "pass_fail", clause="4.2", importance="A", conf="V"),
        item("chin_strap", "下颏带强度", "Chin-strap breaking force", "N", "range", 150, 250, "4.2", conf="V"),
        item("mass", "质量（普通型）", "Mass, ordinary helmet", "g", "le", high=430, clause="4.2", applies=["普通型"], conf="V"),
        item("wearing_height", "佩戴高度", "Wearing height", "mm", "range", 80, 90, "4.2", conf="S"),
        item("vertical_clearance", "垂直间距", "Vertical clearance", "mm", "le", high=50, clause="4.2", conf="V"),
        item("horizontal_clearance", "水平间距", "Horizontal clearance", "mm", "range", 5, 20, "4.2", conf="S"),
        item("peak", "帽舌", "Peak", "mm", "range", 10, 70, "4.2", required=False, importance="C", conf="S"),
        item("insulation_leakage", "电绝缘性能（泄漏电流）", "Electrical insulation: leakage current", "mA", "le", high=1.2, clause="4.3", applies=["电绝缘"], conf="S"),
    ],
    "GB 2626-2019": [
        item("filtration_kn90", "过滤效率（NaCl，KN90）", "Filtration efficiency NaCl, KN90", "%", "ge", low=90, clause="6.3", applies=["KN90"], importance="A", conf="V"),
        item("filtration_kn95", "过滤效率（NaCl，KN95）", "Filtration efficiency NaCl, KN95", "%", "ge", low=95, clause="6.3", applies=["KN95"], importance="A", conf="V"),
        item("filtration_kn100", "过滤效率（NaCl，KN100）", "Filtration efficiency NaCl, KN100", "%", "ge", low=99.97, clause="6.3", applies=["KN100"], importance="A", conf="V"),
        item("filtration_kp90", "过滤效率（油性，KP90）", "Filtration efficiency oil, KP90", "%", "ge", low=90, clause="6.3", applies=["KP90"], importance="A", conf="V"),
        item("filtration_kp95", "过滤效率（油性，KP95）", "Filtration efficiency oil, KP95", "%", "ge", low=95, clause="6.3", applies=["KP95"], importance="A", conf="V"),
        item("filtration_kp100", "过滤效率（油性，KP100）", "Filtration efficiency oil, KP100", "%", "ge", low=99.97, clause="6.3", applies=["KP100"], importance="A", conf="V"),
        item("inhalation_resistance_95_novalve", "吸气阻力（随弃式无阀，95级）", "Inhalation resistance, disposable without valve, class 95", "Pa", "le", high=210, clause="6.5", applies=["KN95+无阀", "KP95+无阀"], conf="U"),
        item("exhalation_resistance_95_novalve", "呼气阻力（随弃式无阀，95级）", "Exhalation resistance, disposable without valve, class 95", "Pa", "le", high=210, clause="6.6", applies=["KN95+无阀", "KP95+无阀"], conf="U"),
        item("inhalation_resistance_95_valve", "吸气阻力（随弃式有阀，95级）", "Inhalation resistance, disposable with valve, class 95", "Pa", "le", high=250, clause="6.5", applies=["KN95+有阀", "KP95+有阀"], conf="U"),
        item("exhalation_resistance_95_valve", "呼气阻力（随弃式有阀，95级）", "Exhalation resistance, disposable with valve, class 95", "Pa", "le", high=150, clause="6.6", applies=["KN95+有阀", "KP95+有阀"], conf="U"),
        item("inhalation_resistance_100_reusable", "吸气阻力（可更换式，100级）", "Inhalation resistance, replaceable facepiece, class 100", "Pa", "le", high=350, clause="6.5", applies=["KN100", "KP100"], conf="U"),
        item("exhalation_resistance_100_reusable", "呼气阻力（可更换式，100级）", "Exhalation resistance, replaceable facepiece, class 100", "Pa", "le", high=150, clause="6.6", applies=["KN100", "KP100"], conf="U"),
        item("valve_leak", "呼气阀气密性（249 Pa）", "Exhalation valve leak at 249 Pa", "mL/min", "le", high=30, clause="6.7", applies=["有阀"], conf="V"),
        item("dead_space", "死腔（吸入气体CO₂含量）", "Dead space (inhaled CO₂)", "%", "le", high=1, clause="6.9", conf="V"),
        item("flammability", "可燃性（续燃时间）", "Flammability: afterflame", "s", "le", high=5, clause="6.10", conf="V"),
        item("headband", "头带（10 N 无滑脱断裂）", "Headband: no slip or break", "", "pass_fail", clause="6.11", conf="V"),
        item("til_individual_kn95", "泄漏性（单次动作，KN95）", "Total inward leakage, individual exercises, KN95", "%", "k_of_n", high=11, clause="6.4", applies=["KN95", "KP95"], importance="A", conf="S", k=46, n=50),
        item("til_mean_kn95", "泄漏性（受试者平均，KN95）", "Total inward leakage, wearer means, KN95", "%", "k_of_n", high=8, clause="6.4", applies=["KN95", "KP95"], importance="A", conf="S", k=8, n=10),
        item("til_individual_kn100", "泄漏性（单次动作，KN100）", "Total inward leakage, individual exercises, KN100", "%", "k_of_n", high=5, clause="6.4", applies=["KN100", "KP100"], importance="A", conf="S", k=46, n=50),
        item("til_mean_kn100", "泄漏性（受试者平均，KN100）", "Total inward leakage, wearer means, KN100", "%", "k_of_n", high=2, clause="6.4", applies=["KN100", "KP100"], importance="A", conf="S", k=8, n=10),
    ],
    "GB 2626-2006": [
        item("filtration_kn95", "过滤效率（NaCl，KN95）", "Filtration efficiency NaCl, KN95", "%", "ge", low=95, clause="5.3", applies=["KN95"], importance="A", conf="V"),
        item("filtration_kn100", "过滤效率（NaCl，KN100）", "Filtration efficiency NaCl, KN100", "%", "ge", low=99.97, clause="5.3", applies=["KN100"], importance="A", conf="V"),
        item("filtration_kp100", "过滤效率（油性，KP100）", "Filtration efficiency oil, KP100", "%", "ge", low=99.97, clause="5.3", applies=["KP100"], importance="A", conf="V"),
        item("inhalation_resistance", "吸气阻力", "Inhalation resistance", "Pa", "le", high=350, clause="5.5", conf="V"),
        item("exhalation_resistance", "呼气阻力", "Exhalation resistance", "Pa", "le", high=250, clause="5.6", conf="V"),
    ],
    "GB 6095-2021": [
        item("peak_arrest_force", "冲击作用力峰值", "Peak arrest force", "kN", "le", high=6, clause="5.4", applies=["Z"], importance="A", conf="V"),
        item("extension_within_declared", "伸展长度不超过标称值", "Extension within the declared value", "", "pass_fail", clause="5.4", applies=["Z"], conf="V"),
        item("adjuster_slip", "调节扣滑移", "Slip in each adjuster", "mm", "le", high=25, clause="5.4", conf="V"),
        item("no_release", "无脱落、无断裂、连接器不打开", "No release, breakage or connector opening", "", "pass_fail", clause="5.4", importance="A", conf="V"),
        item("head_down", "模拟人不得头朝下悬吊", "Dummy not suspended head-down", "", "pass_fail", clause="5.4", applies=["Z"], conf="V"),
        item("lanyard_length", "安全绳有效长度", "Lanyard effective length", "m", "le", high=2, clause="5.3", applies=["Z"], conf="V"),
        item("fr_afterflame", "阻燃性能（续燃+阴燃时间）", "Flame retardant: afterflame and afterglow", "s", "le", high=2, clause="5.5.2", applies=["F"], conf="V"),
        item("antistatic_resistance", "防静电（织带点对点电阻）", "Antistatic: webbing point-to-point resistance", "Ω", "range", 1e5, 1e9, "5.5.3", applies=["E"], conf="U"),
    ],
    "GB 6095-2009": [
        item("static_load", "整体静态负荷", "Integral static load", "kN", "ge", low=15, clause="4.7", importance="A", conf="V"),
        item("peak_arrest_force", "冲击作用力峰值", "Peak arrest force", "kN", "le", high=6, clause="4.7", importance="A", conf="V"),
        item("adjuster_slip", "调节扣滑移", "Slip in each adjuster", "mm", "le", high=25, clause="4.7", conf="V"),
    ],
    "GB 21148-2020": [
        item("toecap_impact_clearance", "保护包头耐冲击（200 J 后间隙）", "Toecap clearance after 200 J impact", "mm", "ge", low=14, clause="6.2", applies=["SB", "S1", "S2", "S3"], importance="A", conf="U"),
        item("toecap_compression_clearance", "保护包头耐压力（15 kN 后间隙）", "Toecap clearance after 15 kN compression", "mm", "ge", low=14, clause="6.2", applies=["SB", "S1", "S2", "S3"], importance="A", conf="U"),
        item("penetration_force", "防刺穿性能", "Penetration resistance", "N", "ge", low=1100, clause="6.3", applies=["P"], importance="A", conf="U"),
        item("slip_heel", "防滑性能（陶瓷砖+洗涤剂，后跟前滑）", "Slip resistance, ceramic + detergent, heel forward", "", "ge", low=0.28, clause="5", conf="S"),
        item("slip_flat", "防滑性能（陶瓷砖+洗涤剂，平面前滑）", "Slip resistance, ceramic + detergent, flat forward", "", "ge", low=0.32, clause="5", conf="S"),
        item("antistatic_resistance", "防静电鞋电阻", "Antistatic footwear resistance", "Ω", "range", 1e5, 1e9, "6.4", applies=["A"], conf="U"),
        item("conductive_resistance", "导电鞋电阻", "Conductive footwear resistance", "Ω", "le", high=1e5, clause="6.4", applies=["C"], conf="V"),
        item("heel_energy", "鞋跟能量吸收", "Heel energy absorption", "J", "ge", low=20, clause="7.2", applies=["E"], conf="U"),
        item("bond_strength", "帮底结合强度", "Upper/outsole bond strength", "N/mm", "ge", low=4, clause="5", required=False, importance="C", conf="U"),
        item("fuel_oil", "耐燃油（体积变化）", "Outsole fuel-oil resistance: volume change", "%", "le", high=12, clause="7.9", applies=["FO"], conf="U"),
        item("insulation_breakdown", "电绝缘（无击穿）", "Electrical insulation: no breakdown", "", "pass_fail", clause="附录C", applies=["6kV", "5kV", "20kV"], importance="A", conf="V"),
        item("insulation_leakage_6kv", "电绝缘泄漏电流（6 kV 皮鞋）", "Leakage current at 6 kV, leather", "mA", "le", high=1.8, clause="附录C", applies=["6kV"], importance="A", conf="V"),
    ],
    "GB 12011-2009": [
        item("insulation_breakdown", "电绝缘（无击穿）", "Electrical insulation: no breakdown", "", "pass_fail", clause="5", importance="A", conf="V"),
        item("insulation_leakage_6kv", "泄漏电流（6 kV 皮鞋）", "Leakage current at 6 kV, leather", "mA", "le", high=1.8, clause="5", applies=["6kV"], importance="A", conf="V"),
        item("insulation_leakage_20kv_boot", "泄漏电流（20 kV 胶靴）", "Leakage current at 20 kV, rubber boot", "mA", "le", high=8, clause="5", applies=["20kV"], importance="A", conf="V"),
    ],
    "GB/T 17622-2008": [
        item("hv_leakage", "交流耐压泄漏电流（8 kV，1 min）", "AC withstand leakage at 8 kV, 1 min", "mA", "le", high=9, clause="预防性试验", applies=["1", "2", "3", "4"], importance="A", conf="S"),
        item("lv_leakage", "交流耐压泄漏电流（2.5 kV）", "AC withstand leakage at 2.5 kV", "mA", "le", high=2.5, clause="预防性试验", applies=["00", "0"], importance="A", conf="S"),
        item("breakdown", "无击穿", "No breakdown", "", "pass_fail", clause="预防性试验", importance="A", conf="V"),
        item("air_leak", "气密性（无漏气）", "No air leak", "", "pass_fail", clause="预防性试验", conf="V"),
    ],
    "EN 397:2012+A1:2012": [
        item("shock_absorption", "Shock absorption (49 J)", "Shock absorption: force transmitted (49 J)", "kN", "le", high=5.0, clause="4.1", importance="A", conf="V"),
        item("penetration", "Penetration (29 J)", "Penetration: no contact with headform", "", "pass_fail", clause="4.2", importance="A", conf="V"),
        item("chin_strap", "Chin-strap anchorage release", "Chin-strap anchorage release", "N", "range", 150, 250, "4.4", conf="V"),
        item("flammability", "Flammability", "Flammability: no flaming after 5 s", "s", "le", high=5, clause="4.3", conf="V"),
        item("insulation_leakage", "Electrical insulation (440 V)", "Electrical insulation leakage at 1200 V", "mA", "le", high=1.2, clause="6.4", applies=["440V"], conf="V"),
        item("lateral_deformation", "Lateral deformation (LD)", "Lateral deformation at 430 N", "mm", "le", high=40, clause="6.5", applies=["LD"], conf="V"),
        item("lateral_residual", "Lateral residual deformation (LD)", "Lateral residual deformation", "mm", "le", high=15, clause="6.5", applies=["LD"], conf="V"),
    ],
    "EN 149:2001+A1:2009": [
        item("penetration_ffp1", "Filter penetration FFP1", "Filter penetration NaCl / oil, FFP1", "%", "le", high=20, clause="7.9.2", applies=["FFP1"], importance="A", conf="V"),
        item("penetration_ffp2", "Filter penetration FFP2", "Filter penetration NaCl / oil, FFP2", "%", "le", high=6, clause="7.9.2", applies=["FFP2"], importance="A", conf="V"),
        item("penetration_ffp3", "Filter penetration FFP3", "Filter penetration NaCl / oil, FFP3", "%", "le", high=1, clause="7.9.2", applies=["FFP3"], importance="A", conf="V"),
        item("inhalation_95_ffp1", "Inhalation resistance 95 L/min FFP1", "Inhalation resistance 95 L/min, FFP1", "mbar", "le", high=2.1, clause="7.16", applies=["FFP1"], conf="V"),
        item("inhalation_95_ffp2", "Inhalation resistance 95 L/min FFP2", "Inhalation resistance 95 L/min, FFP2", "mbar", "le", high=2.4, clause="7.16", applies=["FFP2"], conf="V"),
        item("inhalation_95_ffp3", "Inhalation resistance 95 L/min FFP3", "Inhalation resistance 95 L/min, FFP3", "mbar", "le", high=3.0, clause="7.16", applies=["FFP3"], conf="V"),
        item("exhalation_160", "Exhalation resistance 160 L/min", "Exhalation resistance 160 L/min", "mbar", "le", high=3.0, clause="7.16", conf="V"),
        item("til_individual_ffp2", "TIL individual FFP2", "Total inward leakage, individual exercises, FFP2", "%", "k_of_n", high=11, clause="7.9.1", applies=["FFP2"], importance="A", conf="V", k=46, n=50),
        item("til_mean_ffp2", "TIL wearer means FFP2", "Total inward leakage, wearer means, FFP2", "%", "k_of_n", high=8, clause="7.9.1", applies=["FFP2"], importance="A", conf="V", k=8, n=10),
        item("til_individual_ffp3", "TIL individual FFP3", "Total inward leakage, individual exercises, FFP3", "%", "k_of_n", high=5, clause="7.9.1", applies=["FFP3"], importance="A", conf="V", k=46, n=50),
        item("til_mean_ffp3", "TIL wearer means FFP3", "Total inward leakage, wearer means, FFP3", "%", "k_of_n", high=2, clause="7.9.1", applies=["FFP3"], importance="A", conf="V", k=8, n=10),
    ],
    "EN 361:2002": [
        item("static_up", "Static strength 15 kN upward", "Static strength 15 kN upward, no release", "", "pass_fail", clause="4.3.2", importance="A", conf="V"),
        item("static_down", "Static strength 10 kN downward", "Static strength 10 kN downward, no release", "", "pass_fail", clause="4.3.2", importance="A", conf="V"),
        item("dynamic_release", "Dynamic performance (4 m fall)", "Dynamic performance: torso held", "", "pass_fail", clause="4.3.3", importance="A", conf="V"),
        item("suspension_angle", "Angle from vertical after arrest", "Angle of torso from vertical after arrest", "°", "le", high=50, clause="4.3.3", conf="V"),
        item("main_strap_width", "Main strap width", "Main strap width", "mm", "ge", low=40, clause="4.2.2", conf="S"),
        item("secondary_strap_width", "Secondary strap width", "Secondary strap width", "mm", "ge", low=20, clause="4.2.2", conf="S"),
    ],
    "EN 388:2016+A1:2018": [
        item("abrasion", "Abrasion resistance", "Abrasion resistance (cycles)", "cycles", "level", low=1, clause="6.1", conf="V", levels=[100, 500, 2000, 8000]),
        item("coupe_cut", "Blade cut (Coupe index)", "Blade cut resistance, Coupe index", "", "level", low=1, clause="6.2", conf="V", levels=[1.2, 2.5, 5.0, 10.0, 20.0]),
        item("tear", "Tear resistance", "Tear resistance", "N", "level", low=1, clause="6.3", conf="V", levels=[10, 25, 50, 75]),
        item("puncture", "Puncture resistance", "Puncture resistance", "N", "level", low=1, clause="6.4", conf="V", levels=[20, 60, 100, 150]),
        item("tdm_cut", "TDM cut (ISO 13997), levels A–F", "TDM cut resistance, levels A-F as 1-6", "N", "level", low=1, clause="6.5", required=False, conf="V", levels=[2, 5, 10, 15, 22, 30]),
    ],
}


def load(apps, schema_editor):
    Standard = apps.get_model("reports", "Standard")
    TestItemSpec = apps.get_model("reports", "TestItemSpec")
    by_designation = {}
    for designation, code, year, title, title_en, juris, mandatory, effective, withdrawn, _sup, conf in STANDARDS:
        std, _created = Standard.objects.update_or_create(
            designation=designation,
            defaults={"code": code, "year": year, "title": title, "title_en": title_en, "jurisdiction": juris,
                      "mandatory": mandatory, "effective_from": effective, "withdrawn_on": withdrawn,
                      "source": NOTES, "confidence": conf})
        by_designation[designation] = std
    for designation, *_rest in STANDARDS:
        superseded = _rest[-2]
        if superseded:
            Standard.objects.filter(designation=designation).update(superseded_by=by_designation[superseded])
    for designation, rows in ITEMS.items():
        for row in rows:
            row = dict(row)
            TestItemSpec.objects.update_or_create(standard=by_designation[designation], code=row.pop("code"),
                                                  defaults=row)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
