"""Colour difference of palette entries: sRGB hex → CIELAB (D65) → CIEDE2000.

Method: sRGB components are linearised (IEC 61966-2-1: ``c/12.92`` up to 0.04045, else
``((c + 0.055)/1.055)^2.4``), taken to XYZ with the sRGB matrix and to CIELAB against the
D65 white (CIE 15). The difference ΔE00 follows CIE 142-2001 as set out step by step by
Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula: implementation notes,
supplementary test data, and mathematical observations", with k_L = k_C = k_H = 1.
A ΔE00 of about 1 is the smallest difference an observer notices side by side.
"""

from __future__ import annotations

import math

__all__ = ["ciede2000", "hex_to_lab"]

_D65 = (0.95047, 1.0, 1.08883)
_M = (
    (0.4124564, 0.3575761, 0.1804375),
    (0.2126729, 0.7151522, 0.0721750),
    (0.0193339, 0.1191920, 0.9503041),
)


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _f(t: float) -> float:
    delta = 6.0 / 29.0
    return t ** (1.0 / 3.0) if t > delta**3 else t / (3 * delta**2) + 4.0 / 29.0


def hex_to_lab(color: str) -> tuple[float, float, float]:
    """CIELAB (L*, a*, b*) of an sRGB colour written ``#rrggbb`` (D65 white)."""
    text = color.lstrip("#")
    rgb = [_linear(int(text[i : i + 2], 16) / 255.0) for i in (0, 2, 4)]
    xyz = [sum(m * c for m, c in zip(row, rgb, strict=True)) for row in _M]
    fx, fy, fz = (_f(v / w) for v, w in zip(xyz, _D65, strict=True))
    return 116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)


def _hue_deg(b: float, a: float) -> float:
    if a == 0 and b == 0:
        return 0.0
    h = math.degrees(math.atan2(b, a))
    return h + 360.0 if h < 0 else h


def ciede2000(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    """CIEDE2000 colour difference ΔE00 of two CIELAB colours (k_L = k_C = k_H = 1)."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2.0
    g = 0.5 * (1.0 - math.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = (1.0 + g) * a1, (1.0 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p, h2p = _hue_deg(b1, a1p), _hue_deg(b2, a2p)

    dl = l2 - l1
    dc = c2p - c1p
    if c1p * c2p == 0:
        dh = 0.0
    else:
        dh = h2p - h1p
        if dh > 180.0:
            dh -= 360.0
        elif dh < -180.0:
            dh += 360.0
    dhh = 2.0 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh) / 2.0)

    l_bar = (l1 + l2) / 2.0
    cp_bar = (c1p + c2p) / 2.0
    if c1p * c2p == 0:
        hp_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180.0:
        hp_bar = (h1p + h2p) / 2.0
    elif h1p + h2p < 360.0:
        hp_bar = (h1p + h2p + 360.0) / 2.0
    else:
        hp_bar = (h1p + h2p - 360.0) / 2.0
    t = (
        1.0
        - 0.17 * math.cos(math.radians(hp_bar - 30.0))
        + 0.24 * math.cos(math.radians(2.0 * hp_bar))
        + 0.32 * math.cos(math.radians(3.0 * hp_bar + 6.0))
        - 0.20 * math.cos(math.radians(4.0 * hp_bar - 63.0))
    )
    d_theta = 30.0 * math.exp(-(((hp_bar - 275.0) / 25.0) ** 2))
    r_c = 2.0 * math.sqrt(cp_bar**7 / (cp_bar**7 + 25.0**7))
    s_l = 1.0 + 0.015 * (l_bar - 50.0) ** 2 / math.sqrt(20.0 + (l_bar - 50.0) ** 2)
    s_c = 1.0 + 0.045 * cp_bar
    s_h = 1.0 + 0.015 * cp_bar * t
    r_t = -math.sin(math.radians(2.0 * d_theta)) * r_c
    return math.sqrt(
        (dl / s_l) ** 2 + (dc / s_c) ** 2 + (dhh / s_h) ** 2 + r_t * (dc / s_c) * (dhh / s_h)
    )
