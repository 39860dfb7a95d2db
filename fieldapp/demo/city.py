"""The demo city's people, places and codes: names, addresses and phone numbers drawn from a
seeded generator over the organisation's counties, and valid USCCs and registration numbers."""

from __future__ import annotations

import random

from stdnum.cn import uscc as uscc_check
from stdnum.iso7064 import mod_11_10

from .org import DemoOrg, demo_org

ROADS = [
    "开发路",
    "民福街",
    "文远路",
    "张辽路",
    "鄯阳街",
    "神电路",
    "市府街",
    "建设路",
    "迎宾大道",
    "振华街",
    "永安街",
    "育才路",
    "新华街",
    "长宁街",
    "府西街",
    "桑干河路",
    "马邑路",
    "恢河路",
    "北环路",
    "南环路",
]
VILLAGES = ["东村", "西村", "南庄", "北堡", "后营", "前进村", "新庄", "上窑", "下窑", "河湾村", "马营庄", "小寨"]
TRADE_CHARS = "鑫源泰丰华盛兴隆福祥瑞宏达通利恒昌金旺顺嘉益德永富安康宇博晟润启明辉志诚信和"
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛"
    "叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹武乔贺"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国志红玉梅斌海鹏飞亮俊宏文慧丹云峰"

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_code(number: int) -> str:
    """A 9-character organisation code (GB 11714 check digit) encoding ``number``."""
    body = ""
    for _ in range(5):
        number, digit = divmod(number, 31)
        body = _ALPHABET[digit] + body
    body = "MA0" + body
    values = [int(ch) if ch.isdigit() else ord(ch) - 55 for ch in body]
    check = 11 - sum(v * w for v, w in zip(values, _ORG_WEIGHTS)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(kind: str, division: str, number: int) -> str:
    """A valid USCC: 9 (market regulator), kind digit, the county's division code, organisation code."""
    body = "9" + {"E": "1", "I": "2", "C": "3"}[kind] + division + _org_code(number)
    return body + uscc_check.calc_check_digit(body)


def make_registration_number(division: str, number: int) -> str:
    body = division + "6" + f"{number % 10**7:07d}"
    return body + mod_11_10.calc_check_digit(body)


class City:
    """Seeded draws of counties, names, addresses and phone numbers for one organisation."""

    def __init__(self, seed: int, org: DemoOrg | None = None):
        self.org = org or demo_org()
        self.rng = random.Random(seed)
        self.seed = seed
        self.county_codes = [c.code for c in self.org.counties]
        self.county_weights = [c.share for c in self.org.counties]
        self.county_names = {c.code: c.area for c in self.org.counties}
        self.by_code = {c.code: c for c in self.org.counties}
        self.serial = 0
        # A permutation of serial numbers so that codes look scattered (31**5 is odd, 7919 coprime).
        self.offset = self.rng.randrange(31**5)

    def county(self) -> str:
        return self.rng.choices(self.county_codes, self.county_weights)[0]

    def trade_name(self) -> str:
        return "".join(self.rng.sample(TRADE_CHARS, 2))

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.sample(GIVEN, self.rng.choice((1, 2, 2))))

    def address(self, county: str) -> str:
        place = self.by_code[county]
        town = self.rng.choice(place.towns)
        prefix = self.org.province + place.city_area + place.address_area
        if town.endswith(("乡", "镇")) and self.rng.random() < 0.5:
            return f"{prefix}{town}{self.rng.choice(VILLAGES)}"
        return f"{prefix}{town}{self.rng.choice(ROADS)}{self.rng.randint(1, 399)}号"

    def phone(self) -> str:
        if self.rng.random() < 0.3:
            return f"0349-{self.rng.randint(2000000, 8999999)}"
        return f"1{self.rng.choice('3578')}{self.rng.randint(0, 9)}{self.rng.randint(10000000, 99999999)}"

    def next_number(self) -> int:
        self.serial += 1
        return (self.serial * 7919 + self.offset) % 31**5
