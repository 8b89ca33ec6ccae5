#!/usr/bin/python3
"""Azure's Python blob SDK (Debian python3-azure) finds the local workspace's storage from the
default datastore's own fields, as az ml does: GET datastores/workspaceblobstore and listSecrets,
then a BlobServiceClient at {protocol}://{accountName}.blob.{endpoint} with the account key.
It uploads (Put Blob, then Set Blob Metadata as azure-ai-ml finishes an upload, then Put Block
and Put Block List for a blob larger than one request), downloads, lists and deletes.

    blob_sdk_test.py path/to/cerulean-cli

Exits 77 (ctest SKIP_RETURN_CODE) when python3-azure is missing or *.localhost does not
resolve (libnss-myhostname, packaging/install-deps.sh).
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SKIP = 77
STARTUP_SECONDS = 10
API = "api-version=2025-12-01"


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


try:
    from azure.storage.blob import BlobServiceClient
except ImportError as e:
    skip(f"Azure's Python blob SDK is not installed (Debian python3-azure): {e}")
try:
    socket.getaddrinfo("cerulean.blob.localhost", 80)
except socket.gaierror as e:
    skip(f"*.localhost does not resolve here (Debian libnss-myhostname adds it to /etc/nsswitch.conf): {e}")

cli = sys.argv[1]
work = tempfile.mkdtemp()
service = None
try:
    root = os.path.join(work, "root")
    log_path = os.path.join(work, "service.log")
    with open(log_path, "w") as log:
        service = subprocess.Popen([cli, "local-service", "--root", root, "--port", "0"], stdout=log,
                                   stderr=subprocess.STDOUT)
    url = sub = None
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and not url:
        text = open(log_path).read()
        m = re.search(r"^listening on (http\S+)", text, re.M)
        s = re.search(r"subscription ([0-9a-f-]+)", text)
        if m and s:
            url, sub = m.group(1).rstrip("/"), s.group(1)
        else:
            time.sleep(0.1)
    if not url:
        fail(f"local-service did not start: {open(log_path).read()}")
    token = subprocess.run([cli, "pipeline", "token", "--url", url, "--local-root", root], check=True,
                           capture_output=True, text=True).stdout.strip()

    def arm(method, path, body=None):
        data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
        req = urllib.request.Request(f"{url}{path}?{API}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            text = r.read()
            return r.status, (json.loads(text) if text else None)

    ws = f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws1"
    arm("PUT", f"/subscriptions/{sub}/resourceGroups/rg", {"location": "local"})
    arm("PUT", ws, {"location": "local"})
    datastore = None
    deadline = time.monotonic() + STARTUP_SECONDS
    while datastore is None and time.monotonic() < deadline:
        try:
            datastore = arm("GET", f"{ws}/datastores/workspaceblobstore")[1]
        except urllib.error.HTTPError as e:
            if e.code != 404:
                raise
            time.sleep(0.1)
    if datastore is None:
        fail("no workspaceblobstore datastore")
    props = datastore["properties"]
    port = url.rsplit(":", 1)[1]
    if (props["protocol"], props["endpoint"]) != ("http", f"localhost:{port}"):
        fail(f"the datastore does not lead here: {props}")
    secrets = arm("POST", f"{ws}/datastores/workspaceblobstore/listSecrets")[1]

    # The URL as Azure's SDKs build it from a datastore. The key goes with its account name:
    # the SDK reads the account from the host only when it has ".blob.core." in it.
    account_url = f"{props['protocol']}://{props['accountName']}.blob.{props['endpoint']}"
    key = {"account_name": props["accountName"], "account_key": secrets["key"]}
    client = BlobServiceClient(account_url=account_url, credential=key, max_single_put_size=64 * 1024,
                               max_block_size=32 * 1024)
    container = client.get_container_client(props["containerName"])
    small = b"label,x\n1,2\n"
    large = os.urandom(100 * 1024)  # larger than max_single_put_size: Put Block x4 and Put Block List
    small_blob = container.get_blob_client("LocalUpload/abc/data/train.csv")
    small_blob.upload_blob(small, overwrite=True, metadata={"upload_status": "uploading"})
    small_blob.set_blob_metadata({"upload_status": "completed", "upload_version": "1"})
    container.get_blob_client("LocalUpload/abc/data/large.bin").upload_blob(large, overwrite=True)

    if small_blob.download_blob().readall() != small:
        fail("the small blob did not read back")
    if container.get_blob_client("LocalUpload/abc/data/large.bin").download_blob().readall() != large:
        fail("the large blob did not read back")
    metadata = small_blob.get_blob_properties().metadata
    if metadata != {"upload_status": "completed", "upload_version": "1"}:
        fail(f"metadata: {metadata}")
    listed = {b.name: b.size for b in container.list_blobs(name_starts_with="LocalUpload/abc/")}
    if listed != {"LocalUpload/abc/data/train.csv": len(small), "LocalUpload/abc/data/large.bin": len(large)}:
        fail(f"listed: {listed}")
    # The same bytes are where the workspace's own data paths find them.
    on_disk = os.path.join(root, "blobs", props["accountName"], props["containerName"], "LocalUpload/abc/data/train.csv")
    if not os.path.isfile(on_disk) or open(on_disk, "rb").read() != small:
        fail(f"not in the workspace's store: {on_disk}")

    # A wrong key is refused, as on Azure.
    wrong = BlobServiceClient(account_url=account_url,
                              credential={"account_name": props["accountName"], "account_key": "d3Jvbmcga2V5" * 8})
    try:
        wrong.get_blob_client(props["containerName"], "LocalUpload/abc/data/train.csv").download_blob().readall()
        fail("a wrong account key read the blob")
    except Exception as e:  # azure.core.exceptions.HttpResponseError
        if getattr(e, "status_code", None) != 403:
            fail(f"a wrong key: {e!r}")

    small_blob.delete_blob()
    listed = [b.name for b in container.list_blobs(name_starts_with="LocalUpload/abc/")]
    if listed != ["LocalUpload/abc/data/large.bin"]:
        fail(f"after delete: {listed}")
    print(f"blob SDK against {account_url}: upload, metadata, blocks, download, list, delete: ok")
finally:
    if service:
        service.terminate()
        service.wait()
    shutil.rmtree(work, ignore_errors=True)
