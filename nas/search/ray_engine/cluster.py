"""The Ray a search runs on: a quiet local Ray, or a cluster at `--address`.

Ray >= 2.59 clusters started with `ray start` use token authentication. Connecting to one, the
search uses the token where Ray keeps it (`RAY_AUTH_TOKEN`, the file `RAY_AUTH_TOKEN_PATH`, or
`~/.ray/auth_token`) with no setting needed; a missing or wrong token, an address where
nothing answers and trials that no node can hold are one line each.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from pathlib import Path

import ray
from ray._private.authentication.authentication_token_setup import (
    maybe_enable_token_auth_if_token_available,
)

from mobile_seg_nas import UserInputError, first_line
from mobile_seg_nas.streams import muted_stderr

log = logging.getLogger("nas.search")

CONNECT_SECONDS = 5  # Ray retries a refused connection once a second (20 s by default)
TOKEN_HELP = (
    "get it on the head node (`ray get-auth-token` prints it) and put it in "
    "~/.ray/auth_token, or pass it as RAY_AUTH_TOKEN or a file RAY_AUTH_TOKEN_PATH"
)


@contextlib.contextmanager
def ray_session(address: str | None):
    """Connects to the cluster at `address`, or starts a quiet local Ray of its own with this
    machine's cores (never a cluster that `ray start` left running); a Ray already initialised
    in this process (e.g. by tests) is used as it is."""
    if ray.is_initialized():
        yield
        return
    if address:
        _connect(address)
    else:
        ray.init(
            address="local",
            num_cpus=os.cpu_count(),
            object_store_memory=200 * 2**20,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,
        )
    try:
        yield
    finally:
        ray.shutdown()


def check_resources(options, local: bool) -> None:
    """A trial's CPUs and GPUs must fit one node. On a local Ray that is an error
    (UserInputError); a cluster may still add nodes (autoscaling), so there it is a warning."""
    nodes = [node["Resources"] for node in ray.nodes() if node["Alive"]]
    for name, flag, needed in (
        ("CPU", "--cpus-per-trial", options.cpus_per_trial),
        ("GPU", "--gpus-per-trial", options.gpus_per_trial),
    ):
        largest = max((node.get(name, 0) for node in nodes), default=0)
        if needed > largest:
            message = (
                f"{flag} {needed:g}: no node of this Ray has that many {name}s (the "
                f"largest has {largest:g})"
            )
            if local:
                raise UserInputError(message)
            log.warning("%s; trials wait until such a node joins", message)


def trial_slots(options) -> int:
    """How many trials the cluster's CPUs and GPUs can run at once (at least 1)."""
    resources = ray.cluster_resources()
    slots = resources.get("CPU", 0) // options.cpus_per_trial
    if options.gpus_per_trial:
        slots = min(slots, resources.get("GPU", 0) // options.gpus_per_trial)
    return max(1, int(slots))


def token_source() -> str | None:
    """Where this process finds a Ray token, in Ray's order, or None."""
    if os.environ.get("RAY_AUTH_TOKEN"):
        return "RAY_AUTH_TOKEN"
    path = os.environ.get("RAY_AUTH_TOKEN_PATH")
    if path:
        return path if Path(path).is_file() else None
    default = Path.home() / ".ray" / "auth_token"
    return str(default) if default.is_file() else None


def _connect(address: str) -> None:
    _check_reachable(address)
    # As `ray start` decides for a new cluster: token authentication when a token is found
    # and RAY_AUTH_MODE is not set (ray.init turns it on only for address "auto").
    logging.getLogger(maybe_enable_token_auth_if_token_available.__module__).setLevel(logging.ERROR)
    maybe_enable_token_auth_if_token_available(warn_if_disabled=False)
    try:
        with muted_stderr(), _connect_retries(CONNECT_SECONDS):
            ray.init(
                address=address,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.ERROR,
            )
    except (ConnectionError, RuntimeError) as error:
        raise UserInputError(_connection_message(address, error)) from None


def _connection_message(address: str, error: Exception) -> str:
    causes, cause = [], error
    while cause is not None:
        causes.append(f"{type(cause).__name__}: {cause}")
        cause = cause.__cause__ or cause.__context__
    text = "\n".join(causes)
    if "AuthenticationError" in text or "InvalidAuthToken" in text:
        source = token_source()
        if source is None:
            return (
                f"--address {address}: the cluster uses token authentication and no Ray "
                f"token was found; {TOKEN_HELP}"
            )
        return (
            f"--address {address}: the cluster rejected the Ray token from {source}; "
            f"use the cluster's token: {TOKEN_HELP}"
        )
    return f"--address {address}: cannot connect to Ray ({first_line(error)})"


def _check_reachable(address: str) -> None:
    """A quick TCP check: Ray itself waits long before giving up on an address."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # "auto" or another form Ray resolves itself
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_SECONDS).close()
    except OSError as error:
        raise UserInputError(
            f"--address {address}: nothing answers there "
            f"({error.strerror or first_line(error)}); start the cluster's "
            "head with `ray start --head` and pass its IP:PORT"
        ) from None


@contextlib.contextmanager
def _connect_retries(seconds: int):
    """Ray's connection retries bounded to `seconds` (its `RAY_gcs_server_port_wait_time_s`),
    unless the user set them."""
    name = "RAY_gcs_server_port_wait_time_s"
    if name in os.environ:
        yield
        return
    os.environ[name] = str(seconds)
    try:
        yield
    finally:
        del os.environ[name]
