"""Deployment files checked by the ecosystem's own validators (no Docker engine runs here):
``docker-compose config -q`` per profile, hadolint on the Dockerfiles, kubernetes-validate on
the manifests (strict), and the KEDA objects against the Deployments they scale."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent
K8S = ROOT / "deploy" / "k8s"
compose_cli = pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed")


def compose(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


@compose_cli
@pytest.mark.parametrize("profiles", [[], ["cpu"], ["monitoring"], ["cpu", "monitoring"]])
def test_compose_file_is_valid_with_each_profile(profiles):
    flags = [x for p in profiles for x in ("--profile", p)]
    result = compose(*flags, "config", "-q")
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(compose(*flags, "config").stdout)["services"]
    # docker-compose 1.x lists every service in `config`; which profile starts which is in the file
    active = {name for name, svc in services.items() if set(svc.get("profiles", [])) <= set(profiles)}
    assert {"redis", "gateway", "worker-gpu", "worker-ocr"} <= active
    assert ("worker-cpu" in active) == ("cpu" in profiles)
    assert ("flower" in active) == ("monitoring" in profiles)


@compose_cli
def test_compose_gpu_worker_reserves_a_gpu_and_uses_the_cuda_image():
    config = yaml.safe_load(compose("config").stdout)
    gpu = config["services"]["worker-gpu"]
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]
    assert gpu["build"]["dockerfile"].endswith("Dockerfile.cuda") and gpu["image"] == "pagewash:cuda"
    redis = config["services"]["redis"]
    assert "ports" not in redis and "--appendonly" in redis["command"] and redis["healthcheck"]
    for name, svc in config["services"].items():
        assert svc.get("restart") == "unless-stopped", name
        if name != "redis":
            assert svc["depends_on"]["redis"]["condition"] == "service_healthy", name
    assert "redis-data" in config["volumes"]


def test_env_example_covers_every_compose_variable():
    text = (ROOT / "docker-compose.yml").read_text()
    import re

    used = set(re.findall(r"\$\{(\w+):-", text))
    documented = {
        line.split("=")[0]
        for line in (ROOT / "deploy" / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert used <= documented, used - documented


def test_dockerfiles_pass_hadolint():
    files = [str(ROOT / "deploy" / f) for f in ("Dockerfile.cpu", "Dockerfile.cuda")]
    result = subprocess.run([str(BIN / "hadolint"), *files], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", ["Dockerfile.cpu", "Dockerfile.cuda"])
def test_dockerfiles_are_multistage_non_root_with_tesseract(name):
    text = (ROOT / "deploy" / name).read_text()
    final = text.split("\nFROM ")[-1]
    assert text.count("\nFROM ") >= 1 and "AS build" in text
    assert "tesseract-ocr" in final and "COPY --from=build /opt/venv" in final
    assert "\nUSER 10001" in final and "gcc" not in final and "build-essential" not in final
    assert ("download.pytorch.org/whl/cpu" in text) == (name == "Dockerfile.cpu")  # CUDA: PyPI's CUDA build
    for package in ("pagewash", "worker", "service"):  # the job store is in worker/, the command in pagewash/
        assert f"COPY {package} " in text
    assert "COPY training" not in text and 'pip install "/src[server]"' in text  # no generator or benchmarks
    assert (ROOT / "pagewash" / "weights" / "pagenet.pt").exists()  # baked in as package data


def test_kubernetes_manifests_validate_strictly():
    files = sorted(str(p) for p in K8S.glob("*.yaml") if p.name != "autoscaling.yaml")
    result = subprocess.run(
        [str(BIN / "kubernetes-validate"), "--strict", "--quiet", *files], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_keda_scales_the_worker_deployments_on_their_queues():
    docs = [d for p in K8S.glob("*.yaml") for d in yaml.safe_load_all(p.read_text()) if d]
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    scaled = [d for d in docs if d["kind"] == "ScaledObject"]
    assert {s["spec"]["scaleTargetRef"]["name"] for s in scaled} == {"pagewash-worker-gpu", "pagewash-worker-ocr"}
    for s in scaled:
        # from zero: the gateway is ready without workers (tests/service/test_health.py shows it)
        assert s["apiVersion"] == "keda.sh/v1alpha1" and s["spec"]["minReplicaCount"] == 0
        (trigger,) = s["spec"]["triggers"]
        assert trigger["type"] == "redis" and trigger["metadata"]["listName"] in ("clean", "ocr")
        target = deployments[s["spec"]["scaleTargetRef"]["name"]]
        args = target["spec"]["template"]["spec"]["containers"][0]["args"]
        assert trigger["metadata"]["listName"] == args[args.index("--queues") + 1]
    gpu = deployments["pagewash-worker-gpu"]["spec"]["template"]["spec"]["containers"][0]
    assert gpu["resources"]["limits"]["nvidia.com/gpu"] == 1 and gpu["image"] == "pagewash:cuda"
    gateway = deployments["pagewash-gateway"]["spec"]["template"]["spec"]["containers"][0]
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"
    config = next(d for d in docs if d["kind"] == "ConfigMap")["data"]
    for name in ("pagewash-worker-gpu", "pagewash-worker-ocr"):  # SIGKILL only after the grace
        pod = deployments[name]["spec"]["template"]["spec"]
        assert pod["terminationGracePeriodSeconds"] > float(config["PAGEWASH_SHUTDOWN_GRACE"])
    assert {"secretRef": {"name": "pagewash-api-keys"}} in gateway["envFrom"]
