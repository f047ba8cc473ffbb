"""``/metrics`` in Prometheus' text format, read from Redis at scrape time so that every
gateway replica reports the same numbers for the whole fleet. During a Redis outage it
still answers, with ``pagewash_redis_up 0`` and no fleet numbers (those live in Redis)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from worker.celery_app import QUEUES
from worker.heartbeat import alive
from worker.jobstore import jobs
from worker.jobstore.redisconn import DOWN, get_redis, outage

router = APIRouter(tags=["health"])


class FleetCollector:
    def collect(self):
        try:
            fleet = [] if outage.is_down else list(self.fleet())
        except DOWN as e:
            outage.down("metrics", e)
            fleet = []
        yield GaugeMetricFamily("pagewash_redis_up", "1 when this gateway reaches Redis", value=int(not outage.is_down))
        yield CounterMetricFamily(
            "pagewash_redis_outages", "Redis outages this gateway process has seen begin", value=outage.count
        )
        yield from fleet

    def fleet(self):
        r = get_redis()
        stats = jobs.stats(r)
        gauge = GaugeMetricFamily("pagewash_jobs", "jobs now queued or running", labels=["status"])
        for s in ("queued", "running"):
            gauge.add_metric([s], max(stats.get(s, 0), 0))
        yield gauge
        counter = CounterMetricFamily("pagewash_jobs_finished", "jobs finished, by outcome", labels=["status"])
        for s in ("done", "failed"):
            counter.add_metric([s], stats.get(s, 0))
        yield counter
        yield CounterMetricFamily(
            "pagewash_jobs_submitted", "jobs accepted by the gateway", value=stats.get("submitted", 0)
        )
        depth = GaugeMetricFamily("pagewash_queue_depth", "messages waiting in each Celery queue", labels=["queue"])
        for q in QUEUES:
            depth.add_metric([q], r.llen(q))
        yield depth
        yield GaugeMetricFamily("pagewash_workers_alive", "workers with a recent heartbeat", value=len(alive(r)))
        hist = HistogramMetricFamily("pagewash_stage_seconds", "seconds per job stage", labels=["stage"])
        for stage, h in jobs.histograms(r).items():
            buckets = [(f"{b:g}", h.get(f"{b:g}", 0.0)) for b in jobs.BUCKETS] + [("+Inf", h.get("count", 0.0))]
            hist.add_metric([stage], buckets, h.get("sum", 0.0))
        yield hist


registry = CollectorRegistry(auto_describe=False)
registry.register(FleetCollector())


@router.get("/metrics", response_class=Response)
def metrics() -> Response:
    """Jobs by status, queue depth, workers alive, stage latency histograms."""
    return Response(generate_latest(registry), media_type="text/plain; version=0.0.4; charset=utf-8")
