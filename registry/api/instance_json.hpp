#pragma once
// The registry's answers that carry instances (ping, locate_service,
// watch_services), written as JSON text straight into a string. A locate
// answer is most of what the registry sends; building a RapidJSON tree per
// answer only to write it out again cost more than the rest of the request.
// The text is what RapidJSON's Writer writes for the same values, byte for
// byte (tests/unit/instance_json_test.cpp checks that), so clients see no
// difference.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "registry/store/change.hpp"
#include "registry/store/instance.hpp"

namespace gemstone::registry {

/// Appends `s` as a JSON string: quoted, with `"`, `\` and control
/// characters escaped; other bytes (UTF-8 included) as they are.
void append_json_string(std::string& out, std::string_view s);

/// Appends a number of seconds (>= 0) rounded to milliseconds, as RapidJSON
/// writes that double: "30.0", "29.5", "0.125".
void append_json_seconds(std::string& out, double seconds);

/// Appends {"name", "host", "port", "url", "expires_in", "meta"}, with
/// expires_in the seconds left at `now` (0 once past).
void append_instance_json(std::string& out, const Instance& instance, Clock::time_point now);

/// Appends {"index", "event", "name", "host", "port"[, "reason"]}: one change
/// of a watch answer.
void append_change_json(std::string& out, const Change& change);

}  // namespace gemstone::registry
