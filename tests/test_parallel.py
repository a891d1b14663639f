"""The local process pool (export.parallel.Pool): results in order whatever each batch costs,
a worker's error raised in the driver, a lost worker reported as such, and an interrupted run
ending at once even while workers are sending results larger than a pipe holds."""

import os
import threading
import time

import psutil
import pytest
from hypothesis import given, settings, strategies as st

from export.parallel import Pool, WorkerLost, batches


def slow_square(batch: list[int]) -> list[int]:
    time.sleep(0.02 * (batch[0] % 3))  # later batches often finish first
    return [i * i for i in batch]


def fails_at_five(batch: list[int]) -> list[int]:
    if 5 in batch:
        raise ValueError("batch with 5")
    return batch


def ends_at_five(batch: list[int]) -> list[int]:
    if 5 in batch:
        os._exit(3)
    return batch


def big(batch: list[int]) -> bytes:
    return bytes(4 << 20)  # 4 MB: a worker blocks sending it until the driver reads


@settings(max_examples=5, deadline=None)
@given(count=st.integers(1, 60), workers=st.integers(2, 3))
def test_results_come_in_order_of_the_batches(count, workers):
    with Pool(workers) as pool:
        got = list(pool.run(slow_square, batches(range(count), workers, count)))
    assert [i for batch in got for i in batch] == [i * i for i in range(count)]


@given(count=st.integers(0, 3000), workers=st.integers(1, 4))
def test_batches_cover_the_indices_in_order_and_shrink_to_single_images_at_the_end(count, workers):
    sizes = [len(b) for b in batches(range(count), workers, count)]
    assert [i for b in batches(range(count), workers, count) for i in b] == list(range(count))
    assert max(sizes, default=1) <= 16 and sizes == sorted(sizes, reverse=True)
    assert sizes[-workers:] == [1] * min(workers, count)  # the workers end together


def test_an_error_in_a_worker_is_raised_in_the_driver_after_the_batches_before_it():
    seen = []
    with pytest.raises(ValueError, match="batch with 5"):
        with Pool(2) as pool:
            for batch in pool.run(fails_at_five, ([i] for i in range(10))):
                seen.append(batch[0])
    assert seen == [0, 1, 2, 3, 4]


def test_a_worker_that_ends_is_reported_as_lost_and_the_rest_are_stopped():
    before = psutil.Process().children()
    with pytest.raises(WorkerLost, match="ended abruptly"):
        with Pool(2) as pool:
            list(pool.run(ends_at_five, ([i] for i in range(40))))
    assert psutil.Process().children() == before


def test_an_interrupted_run_ends_at_once_with_workers_mid_send():
    threads, before = threading.active_count(), psutil.Process().children()
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with Pool(2) as pool:
            for _ in pool.run(big, ([i] for i in range(20))):
                time.sleep(0.3)  # both workers now blocked writing their next 4 MB
                raise KeyboardInterrupt
    assert time.monotonic() - start < 15
    assert threading.active_count() == threads and psutil.Process().children() == before
