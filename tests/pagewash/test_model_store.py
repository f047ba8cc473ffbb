import pytest

from pagewash.errors import ModelNotFound
from pagewash.model_store import SHIPPED, WEIGHTS_DIR, get_model, resolve


def test_shipped_models_are_small_and_present():
    sizes = {name: (WEIGHTS_DIR / f).stat().st_size for name, f in SHIPPED.items()}
    assert sum(sizes.values()) <= 20 * 1024 * 1024


@pytest.mark.parametrize("name", ["default", *SHIPPED])
def test_shipped_models_load(name):
    model = get_model(name, "cpu")
    assert model.info["generator_version"]
    assert model.info["metrics"]


def test_default_is_the_production_model():
    assert get_model("default", "cpu").arch == "pagenet"


def test_loaded_once_per_process():
    assert get_model("conv", "cpu") is get_model("conv", "cpu")


def test_unknown_model():
    with pytest.raises(ModelNotFound, match="no model"):
        resolve("no-such-model")
