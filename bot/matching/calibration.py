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
    similarity=8.2291,
    lead=3.0283,
    cjk=1.0299,
    bias=-3.7473,
    curve=(
        (0.0484, 0.0),
        (0.0579, 0.0047),
        (0.0913, 0.0355),
        (0.1178, 0.0562),
        (0.1435, 0.1205),
        (0.1854, 0.1705),
        (0.1924, 0.1875),
        (0.207, 0.2038),
        (0.2171, 0.2109),
        (0.2186, 0.2313),
        (0.2273, 0.2837),
        (0.2913, 0.2989),
        (0.3181, 0.3111),
        (0.3482, 0.3888),
        (0.4436, 0.4316),
        (0.4878, 0.4613),
        (0.5594, 0.4747),
        (0.6179, 0.6583),
        (0.7216, 0.6813),
        (0.7456, 0.76),
        (0.8031, 0.7848),
        (0.8144, 0.8036),
        (0.857, 0.8311),
        (0.9016, 0.8739),
        (0.91, 0.894),
        (0.9655, 0.9382),
        (0.9672, 0.9417),
        (0.9805, 0.948),
        (0.9825, 0.9697),
        (0.9932, 0.9785),
        (0.9989, 1.0),
    ),
)
HYBRID = Calibration(
    similarity=7.5291,
    lead=6.1593,
    cjk=1.942,
    bias=-5.5093,
    curve=(
        (0.0296, 0.0),
        (0.0395, 0.0075),
        (0.0494, 0.0259),
        (0.0551, 0.0471),
        (0.0798, 0.0936),
        (0.1057, 0.0981),
        (0.1171, 0.1014),
        (0.1229, 0.125),
        (0.1291, 0.1403),
        (0.2038, 0.2147),
        (0.2056, 0.2269),
        (0.2889, 0.2681),
        (0.4, 0.3015),
        (0.4251, 0.3653),
        (0.4336, 0.3962),
        (0.4398, 0.4109),
        (0.5123, 0.4114),
        (0.5127, 0.5),
        (0.5437, 0.5122),
        (0.5803, 0.5437),
        (0.5921, 0.6311),
        (0.7463, 0.6383),
        (0.7952, 0.7454),
        (0.8138, 0.8074),
        (0.8962, 0.9014),
        (0.9382, 0.911),
        (0.9557, 0.9721),
        (0.9636, 0.9859),
        (0.9748, 0.9893),
        (0.9912, 0.9956),
        (0.9992, 1.0),
    ),
)
#: raw evidence as the confidence (bench/faq.py --calibrate measures engines with it)
IDENTITY = Calibration(similarity=1.0, lead=0.0, bias=0.0)
