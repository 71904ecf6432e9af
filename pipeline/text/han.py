"""What counts as Chinese: the one definition of Han characters (and CJK punctuation) every
stage uses - residue checks, pass-through, conservation, benches and LaTeX prose detection."""

from __future__ import annotations

import regex

# Unicode's Han script (regex's \p{Han} is the Script property, not Script_Extensions, so
# the CJK punctuation 、。「」 is not in it): ideographs of every block, radicals, 々 and 〇.
HAN_CLASS = r"\p{Han}"
# CJK symbols and punctuation (U+3000-303F: 、。「」《》) and the full-width and half-width
# forms (U+FF00-FFEF: ，：！（）…): Chinese prose, not Han.
CJK_PUNCTUATION_CLASS = r"\u3000-\u303f\uff00-\uffef"

HAN = regex.compile(HAN_CLASS)
HAN_RUN = regex.compile(f"{HAN_CLASS}+")
