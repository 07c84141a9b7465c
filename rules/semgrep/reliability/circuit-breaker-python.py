import pybreaker
import requests
from circuitbreaker import circuit

# ruleid: circuit-breaker-python
pricing_breaker = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=30)


@pricing_breaker
def price(item_id):
    return requests.get(f"https://pricing.example.com/{item_id}", timeout=3).json()


# ruleid: circuit-breaker-python
@circuit(failure_threshold=5, recovery_timeout=30)
def stock(item_id):
    return requests.get(f"https://stock.example.com/{item_id}", timeout=3).json()


# ok: circuit-breaker-python
breaker_count = {"failures": 0}
