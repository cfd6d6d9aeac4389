// audit log, audit verify, audit export.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "cli/exit_codes.h"
#include "commands/subcommands.h"
#include "context.h"
#include "short_names.h"
#include "vault/api_json.h"
#include "vault/audit.h"
#include "vault/audit_json.h"
#include "vault/rotation.h"
#include "vault/time_format.h"

namespace cli {
namespace {

namespace audit = vault::audit;

constexpr int64_t kPageLimit = 1000;           // the server's maximum per page
constexpr int64_t kMaxSeq = int64_t{1} << 53;  // the server's bound for `from`
constexpr char kPinnedHeadFile[] = "audit-head.json";

// --- Parsing what the server sends --------------------------------------------

Status Malformed(const std::string& what) {
  return Status::Corruption("the server sent a malformed " + what);
}

// One page of events from `from` on, at most `limit` (1 to 1000).
Result<std::vector<audit::Event>> FetchPage(ApiClient& c, int64_t from, int64_t limit) {
  auto out = c.Get("/v1/audit?from=" + std::to_string(from) + "&limit=" + std::to_string(limit),
                   &vault::api::AuditPageFromJson);
  if (!out) return Fail(out.error());
  if (static_cast<int64_t>(out->size()) > limit) {
    return Fail(vault::api::MalformedAnswer("GET /v1/audit", "more events than the limit"));
  }
  return out;
}

// Pages through the log from `from`, at most `max` events (0: all), calling
// `fn` on each in order; `fn` returns false to stop. Each page starts after
// the last event received, so a gap in the log is seen by the verifier, and
// a server that repeats itself cannot make this loop forever.
template <typename Fn>
Status ForEachEvent(ApiClient& c, int64_t from, int64_t max, Fn&& fn) {
  int64_t seen = 0;
  while (max == 0 || seen < max) {
    const int64_t want = max == 0 ? kPageLimit : std::min(kPageLimit, max - seen);
    auto page = FetchPage(c, from, want);
    if (!page) return page.error();
    if (page->empty()) break;
    for (const auto& e : *page) {
      if (e.seq < from) return Malformed("audit page (events out of order)");
      ++seen;
      if (!fn(e)) return Status::OK();
      from = e.seq + 1;
    }
    if (static_cast<int64_t>(page->size()) < want || from > kMaxSeq) break;
  }
  return Status::OK();
}

Result<std::vector<audit::Event>> FetchAll(ApiClient& c) {
  std::vector<audit::Event> out;
  Status s = ForEachEvent(c, 1, 0, [&](const audit::Event& e) {
    out.push_back(e);
    return true;
  });
  if (!s.ok()) return Fail(s);
  return out;
}

// Member id -> name, when the caller may list members (else empty).
std::map<std::string, std::string> MemberNames(ApiClient& c) {
  std::map<std::string, std::string> out;
  auto members = c.Get("/v1/members", &vault::api::MembersFromJson);
  if (!members) return out;
  for (const auto& m : *members) out[m.id] = m.name;
  return out;
}

// --- Formatting ------------------------------------------------------------------

// The wire form plus a readable time.
json EventJson(const audit::Event& e) {
  json j = audit::EventToJson(e);
  j["time"] = vault::FormatUtc(e.time_ms, vault::UtcFormat::kIso8601);
  return j;
}

// RFC 4180: a field with a comma, quote or line break is quoted, quotes
// doubled. A spreadsheet runs a cell that starts with = + - @ (or a tab or
// carriage return before one) as a formula, and names and targets are
// chosen by other people: such a field gets a leading ' (OWASP's rule), so
// it is shown as the text it is.
std::string CsvField(const std::string& field) {
  const bool formula =
      !field.empty() && std::string_view("=+-@\t\r").find(field[0]) != std::string_view::npos;
  const std::string s = formula ? "'" + field : field;
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// What a refusal's event adds to its line: how often, and why.
std::string DeniedSuffix(const audit::Event& e) {
  const json d = json::parse(e.details, nullptr, false);
  if (!d.is_object()) return "";
  std::string out = "  refused";
  if (d.contains("count") && d["count"].is_number_integer()) {
    out += " " + std::to_string(d["count"].get<int64_t>()) + "x";
  }
  if (d.contains("reason") && d["reason"].is_string()) {
    out += ": " + d["reason"].get<std::string>();
  }
  return out;
}

// --- audit log --------------------------------------------------------------------

struct LogOptions {
  int64_t from = 1;
  int64_t limit = 0;    // 0: to the end
  bool denied = false;  // only refused requests
};

int Log(Context& ctx, const LogOptions& o) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  std::map<std::string, std::string> names;
  if (!ctx.options.json) names = MemberNames(**c);
  json all = json::array();
  Status s = ForEachEvent(**c, o.from, o.limit, [&](const audit::Event& e) {
    if (o.denied && !audit::IsDenied(e.action)) return true;
    if (ctx.options.json) {
      all.push_back(EventJson(e));
    } else {
      auto it = names.find(e.actor);
      const std::string actor = it != names.end() && !it->second.empty() ? it->second : e.actor;
      ctx.console.out << e.seq << "  " << vault::FormatUtc(e.time_ms, vault::UtcFormat::kIso8601)
                      << "  " << Printable(actor) << "  " << Printable(e.action) << "  "
                      << Printable(e.target)
                      << (audit::IsDenied(e.action) ? Printable(DeniedSuffix(e)) : "") << "\n";
    }
    return true;
  });
  if (!s.ok()) return ctx.Fail(s);
  if (ctx.options.json) ctx.console.out << json{{"events", all}}.dump() << "\n";
  return kExitOk;
}

// --- audit verify -------------------------------------------------------------------

std::string PinnedHeadPath(const Profile& p) { return p.dir + "/" + kPinnedHeadFile; }

// The head pinned by the last successful verification; nullopt if none yet.
Result<std::optional<audit::Head>> LoadPinnedHead(vault::Env& env, const Profile& p) {
  const std::string path = PinnedHeadPath(p);
  if (!env.FileExists(path)) return std::optional<audit::Head>();
  auto bytes = env.ReadFile(path);
  if (!bytes) return Fail(bytes.error());
  const json j = json::parse(bytes->begin(), bytes->end(), nullptr, false);
  const bool shaped = j.is_object() && j.contains("seq") && j["seq"].is_number_integer() &&
                      j.contains("hash") && j["hash"].is_string();
  auto hash = shaped ? crypto::FromHex(j["hash"].get<std::string>())
                     : Result<crypto::Bytes>(Fail(Status::Corruption("")));
  audit::Head head;
  if (!hash || hash->size() != head.hash.size() || j["seq"].get<int64_t>() < 0) {
    return Fail(Status::Corruption(path + " is damaged; remove it to verify from scratch"));
  }
  head.seq = j["seq"].get<int64_t>();
  std::copy(hash->begin(), hash->end(), head.hash.begin());
  return std::optional<audit::Head>(head);
}

Status SavePinnedHead(vault::Env& env, const Profile& p, const audit::Head& head) {
  const std::string text =
      json{{"seq", head.seq}, {"hash", crypto::ToHex(head.hash)}}.dump() + "\n";
  return env.WriteFileAtomic(PinnedHeadPath(p), crypto::AsBytes(text), 0600);
}

Result<audit::Checkpoint> FetchHead(ApiClient& c) {
  return c.Get("/v1/audit/head", &vault::api::CheckpointAnswerFromJson);
}

int Tampered(Context& ctx, const audit::Report& r) {
  if (ctx.options.json) {
    ctx.console.out << json{{"ok", false},
                            {"events", r.events},
                            {"checkpoints_verified", r.checkpoints_verified},
                            {"first_bad_seq", r.first_bad_seq},
                            {"problem", r.problem}}
                           .dump()
                    << "\n";
  } else {
    ctx.console.out << "TAMPERED: the audit log fails verification at seq " << r.first_bad_seq
                    << ": " << Printable(r.problem) << "\n";
  }
  return kExitTampered;
}

int Verify(Context& ctx) {
  auto p = ctx.profile();
  if (!p) return ctx.Fail(p.error());
  auto pinned = LoadPinnedHead(ctx.env, **p);
  if (!pinned) return ctx.Fail(pinned.error());
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());

  // The signed head first (the server stores it as a checkpoint), then every
  // checkpoint, then the events.
  auto head = FetchHead(**c);
  if (!head) return ctx.Fail(head.error());
  auto checkpoints = (*c)->Get("/v1/audit/checkpoints", &vault::api::CheckpointsFromJson);
  if (!checkpoints) return ctx.Fail(checkpoints.error());

  audit::Verifier verifier((*p)->server_audit_key, std::move(*checkpoints), *pinned);
  audit::Head last;  // the last event received
  int64_t from = 1;
  bool chain_ok = true;  // false once the verifier found a problem
  auto feed = [&]() -> Status {
    return ForEachEvent(**c, from, 0, [&](const audit::Event& e) {
      last = {e.seq, e.hash};
      from = e.seq + 1;
      chain_ok = verifier.Add(e);
      return chain_ok;
    });
  };
  if (Status s = feed(); !s.ok()) return ctx.Fail(s);
  // Others may write events while this runs: until the signed head has
  // caught up with the events received, ask again (a few times).
  for (int tries = 0; chain_ok && tries < 5 && head->seq != last.seq; ++tries) {
    if (head->seq > last.seq) {
      if (Status s = feed(); !s.ok()) return ctx.Fail(s);
      if (head->seq > last.seq) break;  // the log ends before its signed head
    } else {
      auto again = FetchHead(**c);
      if (!again) return ctx.Fail(again.error());
      if (again->seq < head->seq) {
        head = std::move(again);
        break;  // the signed head went backwards
      }
      head = std::move(again);
    }
  }

  audit::Report report = verifier.Finish();
  if (report.ok) {
    // The head the server signed just now must verify and be the log's end.
    std::string problem;
    if (!audit::VerifyCheckpoint((*p)->server_audit_key, *head).ok()) {
      problem = "the signed head (seq " + std::to_string(head->seq) +
                ") does not verify under the pinned server audit key";
    } else if (head->seq > last.seq) {
      problem = "the server signed a head at seq " + std::to_string(head->seq) +
                " but the log ends at " + std::to_string(last.seq) + " (truncated)";
    } else if (head->seq < last.seq) {
      problem = "the server's signed head (seq " + std::to_string(head->seq) +
                ") is behind the log, which goes on to seq " + std::to_string(last.seq);
    } else if (head->hash != last.hash) {
      problem = "the signed head's hash differs from event " + std::to_string(head->seq);
    }
    if (!problem.empty()) {
      report.ok = false;
      report.first_bad_seq = std::max<int64_t>(1, std::min(head->seq, last.seq + 1));
      report.problem = problem;
    }
  }
  if (!report.ok) return Tampered(ctx, report);

  if (Status s = SavePinnedHead(ctx.env, **p, report.head); !s.ok()) return ctx.Fail(s);
  const std::string hash = crypto::ToHex(report.head.hash);
  if (ctx.options.json) {
    ctx.console.out << json{{"ok", true},
                            {"events", report.events},
                            {"checkpoints_verified", report.checkpoints_verified},
                            {"head", {{"seq", report.head.seq}, {"hash", hash}}}}
                           .dump()
                    << "\n";
  } else {
    ctx.console.out << "OK: " << report.events << " events, " << report.checkpoints_verified
                    << " checkpoints verified, head seq " << report.head.seq << " hash " << hash
                    << "\n";
  }
  return kExitOk;
}

// --- audit export -------------------------------------------------------------------

struct ExportOptions {
  std::string format;
  std::string output;   // empty: stdout
  bool denied = false;  // only refused requests
};

int Export(Context& ctx, const ExportOptions& o) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto events = FetchAll(**c);
  if (!events) return ctx.Fail(events.error());
  if (o.denied) {
    std::erase_if(*events, [](const audit::Event& e) { return !audit::IsDenied(e.action); });
  }
  std::string text;
  if (o.format == "jsonl") {
    for (const auto& e : *events) text += EventJson(e).dump() + "\n";
  } else {
    text = "seq,time,time_ms,actor,action,target,details,prev_hash,hash\r\n";
    for (const auto& e : *events) {
      const std::string fields[] = {std::to_string(e.seq),
                                    vault::FormatUtc(e.time_ms, vault::UtcFormat::kIso8601),
                                    std::to_string(e.time_ms),
                                    e.actor,
                                    e.action,
                                    e.target,
                                    e.details,
                                    crypto::ToHex(e.prev_hash),
                                    crypto::ToHex(e.hash)};
      for (size_t i = 0; i < std::size(fields); ++i) {
        if (i != 0) text += ',';
        text += CsvField(fields[i]);
      }
      text += "\r\n";
    }
  }
  if (o.output.empty()) {
    ctx.console.out << text << std::flush;
    return kExitOk;
  }
  if (Status s = ctx.env.WriteFileAtomic(o.output, crypto::AsBytes(text), 0600); !s.ok()) {
    return ctx.Fail(s);
  }
  ctx.console.err << "Exported " << events->size() << " events to " << o.output << "\n";
  return kExitOk;
}

}  // namespace

void RegisterAuditCommands(CLI::App& app, Context& ctx) {
  auto* audit_cmd = app.add_subcommand("audit", "The tamper-evident audit log");
  audit_cmd->require_subcommand(1);
  {
    auto o = std::make_shared<LogOptions>();
    auto* cmd = audit_cmd->add_subcommand("log", "Show audit events (add --json for JSON)");
    cmd->add_option("--from", o->from, "First sequence number")
        ->check(CLI::Range(int64_t{1}, kMaxSeq))
        ->capture_default_str();
    cmd->add_option("--limit", o->limit, "Show at most N events (default: all)")
        ->check(CLI::Range(int64_t{1}, kMaxSeq));
    cmd->add_flag("--denied", o->denied,
                  "Only refused requests (\"<action>.denied\": who was refused what, how often)");
    cmd->callback([&ctx, o] { ctx.exit_code = Log(ctx, *o); });
  }
  audit_cmd
      ->add_subcommand("verify",
                       "Check the hash chain, the signed checkpoints and the head pinned by the "
                       "last verification (exit 9 if tampered with)")
      ->callback([&ctx] { ctx.exit_code = Verify(ctx); });
  {
    auto o = std::make_shared<ExportOptions>();
    auto* cmd = audit_cmd->add_subcommand("export", "Write every event as JSON Lines or CSV");
    cmd->add_option("--format", o->format, "jsonl or csv")
        ->required()
        ->check(CLI::IsMember({"jsonl", "csv"}));
    cmd->add_option("--output,-o", o->output, "Write to FILE (0600) instead of standard output");
    cmd->add_flag("--denied", o->denied, "Only refused requests");
    cmd->callback([&ctx, o] { ctx.exit_code = Export(ctx, *o); });
  }
  RegisterDueCommand(app, ctx);
  RegisterCalendarCommand(app, ctx);
  RegisterRunbookCommand(app, ctx);
  RegisterContinuityCommand(app, ctx);
}

}  // namespace cli
