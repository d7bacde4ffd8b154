"""Every head on JAX against HF's Flax classes (transformers 4.57 still ships them; v5 dropped them).

The weights come from HF's PyTorch model through model.safetensors (Flax reads them with from_pt=True).
"""

import pytest
import transformers

from tests.backends.test_parity import ATOL, NAMES, OURS, _hf_pt, _ours
from tests.hf_oracle import max_abs_diff
from tests.modeling.conftest import make_inputs


@pytest.mark.parametrize("config_name", ["groups2_inner2", "released_layout"])
@pytest.mark.parametrize("name", NAMES)
def test_matches_hf_flax(tmp_path, name, config_name):
    _hf_pt(name, config_name, tmp_path)
    flax_model = getattr(transformers, "Flax" + name[2:]).from_pretrained(tmp_path, from_pt=True)
    ours = OURS[name].from_pretrained(tmp_path)
    inputs = make_inputs(name)
    expected = flax_model(**inputs, output_attentions=True, output_hidden_states=True)
    expected = {k: v for k, v in expected.items() if v is not None}
    actual = ours(inputs, output_attentions=True, output_hidden_states=True)
    diffs = max_abs_diff(expected, _ours(actual))
    assert max(diffs.values()) <= ATOL, diffs
