-- wrk script: each thread plays whole chatbot conversations, one turn per request.
-- $WRK_BODY_FILE holds the turns as a JSON array of flat objects whose
-- conversation_id is "__ID__" (texts without braces); every conversation gets a
-- new id. Run one connection per thread, so that a conversation's turns arrive in
-- order. Counting non-2xx responses and the WRK_JSON summary come from
-- wrk_post.lua, loaded first.
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "wrk_post.lua")

local turns = {}
for body in wrk.body:gmatch("{.-}") do
  table.insert(turns, body)
end
assert(#turns > 0, "no turn in " .. os.getenv("WRK_BODY_FILE"))

local count_threads = setup
local started = 0
function setup(thread)
  count_threads(thread)
  started = started + 1
  thread:set("thread_number", started)
end

-- The warm-up and the measure are two wrk runs: ids carry the run's start time.
local run = os.time()
local conversation, turn = 0, 0
function request()
  turn = turn + 1
  if turn > #turns then
    turn, conversation = 1, conversation + 1
  end
  local id = string.format("bench-%d-%d-%d", run, thread_number or 0, conversation)
  return wrk.format(nil, nil, nil, (turns[turn]:gsub("__ID__", id)))
end
