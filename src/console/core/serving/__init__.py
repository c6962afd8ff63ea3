"""The scoring service: ``console serve`` on uvicorn + starlette.

``state`` records where a workspace's service runs (other processes find it there);
``model_holder`` keeps the production model and hot-swaps it; ``scoring`` checks
records, ``batcher`` scores them in micro-batches, ``cache`` remembers scores;
``metrics`` and ``prediction_log`` record what each request did; ``app`` is the ASGI
application; ``server`` binds, records and runs it; ``control`` starts and stops it
as a subprocess; ``security`` adapts the token and certificate, ``access`` provides a
token (or opens loopback) for a demo or benchmark workspace; ``known_ids`` tells a
request whether its ids are logged already; ``settings`` holds the limits;
``load_client`` is the traffic generator's lean HTTP client.
"""
