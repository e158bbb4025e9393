#!/usr/bin/python3
"""Generic JSON-lines driver for the storage gateway SOAP endpoint, built on zeep.

Used by the SOAP module's tests, and meant for integration tests and benchmarks too: it knows no operation by name,
so it drives whatever the WSDL offers.

    /usr/bin/python3 soap_client.py --wsdl https://127.0.0.1:8443/storage-gateway?wsdl \\
        --password-file ~/.storage-gateway/admin-password --cafile ~/.storage-gateway/tls/gateway-cert.pem

Input, one JSON object per line on stdin:

    {"op": "createVirtualDisk", "args": {"srUuid": "...", "nameLabel": "disk", "virtualSizeBytes": 1048576}}
    {"id": 7, "op": "listDrivers"}

A JSON object given for an argument is a map: it is sent as <entry><key/><value/></entry> elements (the contract's
map convention). To send other structures pass them in zeep's form (for a map that is {"entry": [...]}); a record
such as directKernelBoot is wrapped as {"$struct": {"kernel": ..., "arguments": ...}}. A JSON list is sent as is
(a repeated element such as vdiMap: [{"vdiUuid": ..., "srUuid": ...}]).

Output, exactly one JSON object per input line on stdout, flushed at once; "id" is echoed when given:

    {"id": 7, "result": ..., "seconds": 0.012}
    {"fault": {"code": "soap:Client", "message": "...", "type": "UserFault",
               "detail": {"code": 3, "name": "VDI_NOT_FOUND", "kind": "USER", "message": "..."},
               "rawDetail": "<detail>...</detail>"}, "seconds": 0.01}
    {"error": {"type": "TransportError", "status": 401, "message": "..."}}

The environment's proxy and CA bundle settings are ignored: --cafile is the only trust anchor.

Results are plain JSON: maps of the contract (a sequence of entry/key/value) become JSON objects, dates ISO-8601
strings. Exit status: 0 at end of input, 2 if the WSDL cannot be loaded (an "error" line says why).
"""

import argparse
import datetime
import decimal
import json
import sys
import time

import requests
import zeep
import zeep.exceptions
import zeep.helpers
from lxml import etree


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wsdl", required=True, help="URL of the WSDL, such as https://host:8443/storage-gateway?wsdl")
    parser.add_argument("--password-file", required=True, help="file whose first line is the admin password")
    parser.add_argument("--cafile", required=True, help="PEM file of the certificate(s) to trust")
    parser.add_argument("--user", default="admin", help="HTTP Basic user (default admin)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for one call (default 300)")
    return parser.parse_args(argv)


def read_password(path):
    with open(path, "r", encoding="utf-8") as f:
        return f.readline().rstrip("\r\n")


def local_name(tag):
    return etree.QName(tag).localname if isinstance(tag, str) else str(tag)


def to_json(value):
    """Turn what zeep returns into plain JSON values."""
    if isinstance(value, dict):
        entries = value.get("entry") if len(value) == 1 else None
        if isinstance(entries, list) and all(isinstance(e, dict) and set(e) == {"key", "value"} for e in entries):
            return {e["key"]: e["value"] for e in entries}
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, etree._Element):
        return etree.tostring(value, encoding="unicode")
    return value


def to_zeep(value):
    """Turn a JSON argument into what zeep expects: a JSON object becomes a contract map."""
    if isinstance(value, dict):
        if "entry" in value:
            return value
        if set(value) == {"$struct"}:
            return value["$struct"]
        return {"entry": [{"key": str(k), "value": str(v)} for k, v in value.items()]}
    return value


def describe_fault(fault):
    out = {"code": fault.code, "message": fault.message}
    detail = fault.detail
    if detail is not None:
        out["rawDetail"] = etree.tostring(detail, encoding="unicode")
        children = [c for c in detail if isinstance(c.tag, str)]
        if children:
            typed = children[0]
            out["type"] = local_name(typed.tag)
            fields = {}
            for field in typed:
                if not isinstance(field.tag, str):
                    continue
                text = field.text or ""
                name = local_name(field.tag)
                fields[name] = int(text) if name == "code" and text.lstrip("-").isdigit() else text
            out["detail"] = fields
    return out


def call(client, request):
    op = request.get("op")
    if not isinstance(op, str) or not op:
        return {"error": {"type": "BadInput", "message": "each line needs an \"op\""}}
    args = request.get("args") or {}
    if not isinstance(args, dict):
        return {"error": {"type": "BadInput", "message": "\"args\" must be an object"}}
    try:
        method = getattr(client.service, op)
    except AttributeError as e:
        return {"error": {"type": "UnknownOperation", "message": str(e)}}
    started = time.monotonic()
    try:
        result = method(**{k: to_zeep(v) for k, v in args.items()})
        return {"result": to_json(zeep.helpers.serialize_object(result, dict)),
                "seconds": round(time.monotonic() - started, 6)}
    except zeep.exceptions.Fault as fault:
        return {"fault": describe_fault(fault), "seconds": round(time.monotonic() - started, 6)}
    except zeep.exceptions.TransportError as e:
        return {"error": {"type": "TransportError", "status": e.status_code, "message": str(e.message)[:500]}}
    except (zeep.exceptions.ValidationError, TypeError, ValueError) as e:
        return {"error": {"type": type(e).__name__, "message": str(e)}}
    except requests.RequestException as e:
        return {"error": {"type": type(e).__name__, "message": str(e)}}


def emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def main(argv):
    options = parse_args(argv)
    session = requests.Session()
    # Not trust_env: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override session.verify (psf/requests#3829),
    # and a proxy from the environment has no business between a test and a local gateway.
    session.trust_env = False
    session.verify = options.cafile
    session.auth = requests.auth.HTTPBasicAuth(options.user, read_password(options.password_file))
    transport = zeep.Transport(session=session, timeout=options.timeout, operation_timeout=options.timeout)
    try:
        client = zeep.Client(options.wsdl, transport=transport,
                             settings=zeep.Settings(strict=True, xml_huge_tree=False))
    except requests.HTTPError as e:
        status = e.response.status_code if e.response is not None else None
        emit({"error": {"type": "TransportError", "status": status, "message": str(e)[:500]}})
        return 2
    except Exception as e:  # noqa: BLE001 - report any failure to load the WSDL as one line
        emit({"error": {"type": type(e).__name__, "message": str(e)[:500]}})
        return 2

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError as e:
            emit({"error": {"type": "BadInput", "message": str(e)}})
            continue
        response = call(client, request if isinstance(request, dict) else {})
        if isinstance(request, dict) and "id" in request:
            response["id"] = request["id"]
        emit(response)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
