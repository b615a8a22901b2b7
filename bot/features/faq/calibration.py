"""What an engine's match is worth: its raw evidence turned into the probability that the answer is
right, so ``[faq] answer_threshold`` means "answer when at least this sure" whichever engine runs.

Each engine gives three features for its best entry — how alike the question and the entry's best
phrasing are (``similarity``, 0..1), how far that entry leads the runner-up (``lead``, 0..1) and
the question's share of Chinese/Japanese characters (``cjk``) — and a logistic model per engine
turns them into a probability. The weights were fitted by ``python bench/faq.py --calibrate
../shared/faq-bench bench/zh-faq/dev`` on development splits only (faq-bench's DEV: public
support queries in six domains; zh-faq's dev: a Chinese FAQ the team wrote; an out-of-scope
query answered counts as wrong; every track weighs the same), and are evaluated unchanged on any
other split with ``--eval``. A community with no labelled data of its own gets a threshold that
means the same thing on any FAQ.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Calibration:
    similarity: float
    lead: float
    bias: float
    #: Chinese and Japanese questions match as character pairs, whose similarities run lower for
    #: the same certainty: this weighs the question's share of CJK characters (0..1)
    cjk: float = 0.0
    #: the logistic model's output -> the share of answers that were right there (isotonic, as
    #: (output, share) points to interpolate between): the logistic model ranks well but is not
    #: exact at the sure end, where the threshold lives; empty: the model's output as it is
    curve: tuple[tuple[float, float], ...] = ()

    def probability(self, similarity: float, lead: float, cjk: float = 0.0) -> float:
        z = self.similarity * similarity + self.lead * lead + self.cjk * cjk + self.bias
        p = 1 / (1 + math.exp(-z)) if z > -60 else 0.0
        return _interpolate(self.curve, p) if self.curve else p


def _interpolate(curve: tuple[tuple[float, float], ...], x: float) -> float:
    xs = [a for a, _ in curve]
    i = bisect.bisect_left(xs, x)
    if i == 0:
        return curve[0][1] * (x / xs[0] if xs[0] > 0 else 1.0)
    if i == len(curve):
        return curve[-1][1]
    (x0, y0), (x1, y1) = curve[i - 1], curve[i]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0) if x1 > x0 else y1


#: fitted on faq-bench DEV (bench/faq.py --calibrate); see the module docstring
LEXICAL = Calibration(
    similarity=6.6518,
    lead=2.8653,
    cjk=1.3377,
    bias=-3.3965,
    curve=(
        (0.0498, 0.0),
        (0.0675, 0.0014),
        (0.1018, 0.0507),
        (0.1187, 0.0756),
        (0.1588, 0.1114),
        (0.161, 0.1435),
        (0.1683, 0.1483),
        (0.1756, 0.152),
        (0.214, 0.2123),
        (0.2799, 0.2577),
        (0.3725, 0.3604),
        (0.3846, 0.3892),
        (0.3895, 0.4003),
        (0.3901, 0.4249),
        (0.4925, 0.447),
        (0.4928, 0.5),
        (0.5158, 0.5157),
        (0.5598, 0.5502),
        (0.5648, 0.5756),
        (0.5735, 0.6155),
        (0.5833, 0.6573),
        (0.6989, 0.6724),
        (0.7779, 0.7335),
        (0.81, 0.7909),
        (0.8132, 0.7954),
        (0.8278, 0.8315),
        (0.8516, 0.8414),
        (0.8866, 0.8557),
        (0.9212, 0.8755),
        (0.9242, 0.9297),
        (0.9348, 0.9303),
        (0.9762, 0.9404),
        (0.9855, 0.9828),
        (0.9971, 1.0),
    ),
)
HYBRID = Calibration(
    similarity=6.9093,
    lead=5.4729,
    cjk=-1.2164,
    bias=-5.0888,
    curve=(
        (0.0163, 0.0),
        (0.0337, 0.0024),
        (0.0444, 0.0126),
        (0.045, 0.0171),
        (0.0556, 0.0233),
        (0.0705, 0.0553),
        (0.0803, 0.0735),
        (0.1383, 0.0753),
        (0.1428, 0.1212),
        (0.1549, 0.166),
        (0.1573, 0.1676),
        (0.1669, 0.1955),
        (0.1831, 0.2305),
        (0.1912, 0.2659),
        (0.2929, 0.2871),
        (0.3018, 0.2987),
        (0.4356, 0.3774),
        (0.4607, 0.4099),
        (0.4677, 0.4361),
        (0.4693, 0.4746),
        (0.5273, 0.4759),
        (0.5287, 0.5),
        (0.7026, 0.5655),
        (0.7485, 0.6466),
        (0.7499, 0.6754),
        (0.7585, 0.8011),
        (0.831, 0.8058),
        (0.8445, 0.8545),
        (0.8677, 0.8977),
        (0.8752, 0.9108),
        (0.8978, 0.9119),
        (0.9021, 0.942),
        (0.9355, 0.9476),
        (0.9566, 0.9755),
        (0.9863, 0.9951),
        (0.9958, 1.0),
    ),
)
#: raw evidence as the confidence (bench/faq.py --calibrate measures engines with it)
IDENTITY = Calibration(similarity=1.0, lead=0.0, bias=0.0)
