"""Lua scripts for wrk: count responses by status and print one JSON line at the end.

wrk runs one Lua state per thread plus the main one; `setup` (main) numbers the threads,
`done` (main) adds up what each thread counted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from string import Template
from urllib.parse import quote

RESULT_MARK = "BENCH_RESULT "

_COMMON = Template(
    r"""
local threads = {}

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local statuses = thread:get("statuses") or {}
    for status, count in pairs(statuses) do
      counts[status] = (counts[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  io.write(string.format(
    '$mark{"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"mean_us": %f, "max_us": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    table.concat(parts, ", ")))
end
"""
)

_COUNT_STATUSES = r"""
function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
"""

# Each thread saves the `measures` answer of its own share of the commitments in turn,
# sending the version it expects; a 409 names the commitment (conflict_url) and carries
# the current version, so the script catches up instead of conflicting for ever.
_AUTOSAVE = Template(
    r"""
local commitments = $commitments
local initial_versions = $versions
local thread_count = $thread_count
local token = "$token"
local run = "$run"
local prefix = "$prefix"
local text = "$text"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

function init(args)
  statuses = {}
  mine = {}
  versions = {}
  sent = 0
  for index, commitment in ipairs(commitments) do
    if (index - 1) % thread_count == thread_number - 1 then
      table.insert(mine, commitment)
      versions[commitment] = initial_versions[commitment]
    end
  end
end

function request()
  sent = sent + 1
  local commitment = mine[(sent - 1) % #mine + 1]
  local version = versions[commitment]
  versions[commitment] = version + 1
  local body = "csrf_token=" .. token ..
    "&request_id=" .. run .. "-" .. thread_number .. "-" .. sent ..
    "&measures=" .. text .. "+" .. thread_number .. "-" .. sent ..
    "&version__measures=" .. version
  return wrk.format(nil, prefix .. commitment .. "/autosave", nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 409 then
    local commitment = body:match('"conflict_url":%s*"[^"]*/c/([^"/]+)"')
    local version = body:match('"measures":%s*(%d+)')
    if commitment and version and versions[commitment] then
      versions[commitment] = tonumber(version)
    end
  end
end
"""
)


def counting_script() -> str:
    """Count statuses of whatever wrk requests (the URL and headers of the command line)."""
    return _COMMON.substitute(mark=RESULT_MARK) + _COUNT_STATUSES


def autosave_script(
    *,
    assessment_id: int,
    versions: Mapping[str, int],
    token: str,
    run: str,
    thread_count: int,
) -> str:
    """Autosave POSTs with a fresh request id and a new text each time."""
    commitments = sorted(versions)
    text = (
        "The+national+anti-corruption+strategy+assigns+this+commitment+to+the+commission"
        "%2C+which+reports+on+its+progress+to+parliament+every+year"
    )
    return _COMMON.substitute(mark=RESULT_MARK) + _AUTOSAVE.substitute(
        commitments=_lua_list(commitments),
        versions=_lua_table(versions),
        thread_count=thread_count,
        token=quote(token, safe=""),
        run=run,
        prefix=f"/assessments/{assessment_id}/c/",
        text=text,
    )


def parse_result(output: str) -> dict[str, object]:
    """The JSON line `done` printed."""
    for line in output.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    raise RuntimeError(f"wrk printed no result line; its output was:\n{output}")


def _lua_list(values: list[str]) -> str:
    return "{" + ", ".join(json.dumps(value) for value in values) + "}"


def _lua_table(mapping: Mapping[str, int]) -> str:
    return "{" + ", ".join(f"[{json.dumps(k)}] = {int(v)}" for k, v in mapping.items()) + "}"
