// emergency list|show|status|request|approve|reject|confirm: asking for
// access, deciding on it, and where it stands.

#include <CLI/CLI.hpp>

#include "cli/exit_codes.h"
#include "commands/emergency_commands.h"
#include "emergency.h"
#include "short_names.h"

namespace cli {
namespace {

namespace em = emergency;

int List(Context& ctx) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto grants = ListGrants(**c);
  if (!grants) return ctx.Fail(grants.error());
  if (ctx.options.json) {
    ctx.console.out << JsonList(*grants, &vault::api::GrantAnswerToJson).dump() << "\n";
    return kExitOk;
  }
  if (grants->empty()) {
    ctx.console.out << "No emergency grants.\n";
    return kExitOk;
  }
  const Directory d = LoadDirectory(**c);
  for (const GrantAnswer& answer : *grants) {
    const vault::EmergencyGrant& g = answer.grant;
    std::string cols;
    for (const auto& id : g.collections) {
      if (!cols.empty()) cols += ",";
      cols += em::ShownName(d.collections, id);
    }
    ctx.console.out << Printable(g.id) << "  " << em::ShownName(d.members, g.deputy_id) << "  "
                    << vault::emergency::ToString(g.mode) << "  " << cols << "  wait "
                    << em::HoursInWords(g.wait_s / 3600) << "  "
                    << vault::emergency::ToString(g.status);
    if (answer.request) {
      ctx.console.out << "  request " << vault::emergency::ToString(answer.request->request.state);
    }
    ctx.console.out << "\n";
    if (answer.request) {
      ctx.console.out << "  " << em::RequestInWords(*answer.request, d.members, NowMs(ctx)) << "\n";
    }
  }
  return kExitOk;
}

int Show(Context& ctx, const std::string& given) {
  if (Status s = CheckGivenId(given, "grant or request"); !s.ok()) return ctx.Fail(s);
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto grant = FindGrant(**c, given);
  if (!grant && !grant.error().IsNotFound()) return ctx.Fail(grant.error());
  Result<RequestAnswer> request = grant ? RequestAnswer() : FindRequest(**c, given);
  if (!grant && !request) {
    if (request.error().IsNotFound()) {
      return ctx.Fail(
          Status::NotFound("no grant or request with id " + given + " that you can see"));
    }
    return ctx.Fail(request.error());
  }
  if (ctx.options.json) {
    ctx.console.out << (grant ? vault::api::GrantAnswerToJson(*grant)
                              : vault::api::RequestAnswerToJson(*request))
                           .dump()
                    << "\n";
    return kExitOk;
  }
  const Directory d = LoadDirectory(**c);
  if (!grant) {
    PrintRequest(ctx, *request, d);
    return kExitOk;
  }
  const vault::EmergencyGrant& g = grant->grant;
  auto& out = ctx.console.out;
  out << "grant        " << Printable(g.id) << "\n"
      << "grantor      " << em::ShownName(d.members, g.grantor_id) << "\n"
      << "deputy       " << em::ShownName(d.members, g.deputy_id) << "\n"
      << "status       " << vault::emergency::ToString(g.status) << "\n"
      << "created      " << em::UtcTime(g.created_ms) << "\n"
      << em::GrantInWords(*grant, d.members, d.collections) << "\n";
  if (grant->request) {
    out << "\nLatest request:\n";
    PrintRequest(ctx, *grant->request, d);
  }
  return kExitOk;
}

int StatusCmd(Context& ctx, const std::string& given) {
  if (!given.empty()) {
    if (Status s = CheckGivenId(given, "request"); !s.ok()) return ctx.Fail(s);
  }
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  if (!given.empty()) {
    auto r = FindRequest(**c, given);
    if (!r) return ctx.Fail(r.error());
    if (ctx.options.json) {
      ctx.console.out << vault::api::RequestAnswerToJson(*r).dump() << "\n";
    } else {
      PrintRequest(ctx, *r, LoadDirectory(**c));
    }
    return kExitOk;
  }
  auto requests = ListRequests(**c);
  if (!requests) return ctx.Fail(requests.error());
  if (ctx.options.json) {
    ctx.console.out << JsonList(*requests, &vault::api::RequestAnswerToJson).dump() << "\n";
    return kExitOk;
  }
  if (requests->empty()) {
    ctx.console.out << "No emergency requests.\n";
    return kExitOk;
  }
  const Directory d = LoadDirectory(**c);
  for (const RequestAnswer& r : *requests) {
    ctx.console.out << Printable(r.request.id) << "  " << em::ShownName(d.members, r.deputy_id)
                    << "  " << vault::emergency::ToString(r.request.state) << "\n  "
                    << em::RequestInWords(r, d.members, NowMs(ctx)) << "\n";
  }
  return kExitOk;
}

// --- request, approve, reject, confirm --------------------------------------------------

int Request(Context& ctx, const std::string& given, const std::string& reason) {
  if (Status s = CheckGivenId(given, "grant"); !s.ok()) return ctx.Fail(s);
  if (reason.empty() || reason.size() > 500) {
    return ctx.Fail(Status::InvalidArgument(
        "--reason must say why you need access (1 to 500 bytes); the admins read it"));
  }
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto grant = FindGrant(**c, given);
  if (!grant) return ctx.Fail(grant.error());
  auto answer = (*c)->Send("POST", "/v1/emergency/grants/" + grant->grant.id + "/requests",
                           json{{"reason", reason}}, &vault::api::RequestAnswerFromJson);
  if (!answer) return ctx.Fail(answer.error());
  if (ctx.options.json) {
    ctx.console.out << vault::api::RequestAnswerToJson(*answer).dump() << "\n";
    return kExitOk;
  }
  const Directory d = LoadDirectory(**c);
  const std::string& id = answer->request.id;
  ctx.console.out << "Requested emergency access (request " << id << ").\n"
                  << em::RequestInWords(*answer, d.members, NowMs(ctx)) << "\n"
                  << "Check it with: baton emergency status " << id.substr(0, 8) << "\n";
  return kExitOk;
}

// approve, reject or confirm; the answer in plain words.
int Decide(Context& ctx, const std::string& given, const std::string& verb,
           const std::string& reason) {
  if (Status s = CheckGivenId(given, "request"); !s.ok()) return ctx.Fail(s);
  if (reason.size() > 500) {
    return ctx.Fail(Status::InvalidArgument("--reason is limited to 500 bytes"));
  }
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto request = FindRequest(**c, given);
  if (!request) return ctx.Fail(request.error());
  const std::string id = request->request.id;
  const json body = reason.empty() ? json::object() : json{{"reason", reason}};
  const std::string path = "/v1/emergency/requests/" + id + "/" + verb;
  auto r = (*c)->Send("POST", path, body, &vault::api::ObjectFromJson);
  if (!r) return ctx.Fail(r.error());
  auto now = r->contains("state")
                 ? vault::api::RequestAnswerFromJson(*r, ApiClient::RouteOf("POST", path))
                 : GetRequest(**c, id);
  if (!now) return ctx.Fail(now.error());
  if (ctx.options.json) {
    ctx.console.out << vault::api::RequestAnswerToJson(*now).dump() << "\n";
    return kExitOk;
  }
  const Directory d = LoadDirectory(**c);
  const std::string done = verb == "approve"  ? "Approved"
                           : verb == "reject" ? "Rejected"
                                              : "Confirmed";
  ctx.console.out << done << " request " << id << " of " << em::ShownName(d.members, now->deputy_id)
                  << ".\n"
                  << em::RequestInWords(*now, d.members, NowMs(ctx)) << "\n";
  return kExitOk;
}

}  // namespace

void RegisterEmergencyList(CLI::App& group, Context& ctx) {
  group.add_subcommand("list", "Emergency grants you can see (admins: all; deputies: theirs)")
      ->callback([&ctx] { ctx.exit_code = List(ctx); });
}

void RegisterEmergencyShow(CLI::App& group, Context& ctx) {
  auto id = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand("show", "One grant or request, and what happens next");
  cmd->add_option("id", *id, "Grant or request id (6+ hex digits are enough)")->required();
  cmd->callback([&ctx, id] { ctx.exit_code = Show(ctx, *id); });
}

void RegisterEmergencyRequest(CLI::App& group, Context& ctx) {
  auto id = std::make_shared<std::string>();
  auto reason = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand(
      "request", "As the deputy: ask for access; it opens after the wait unless rejected");
  cmd->add_option("grant", *id, "Grant id")->required();
  cmd->add_option("--reason", *reason, "Why you need access (the admins read it)")->required();
  cmd->callback([&ctx, id, reason] { ctx.exit_code = Request(ctx, *id, *reason); });
}

void RegisterEmergencyStatus(CLI::App& group, Context& ctx) {
  auto id = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand("status", "Requests and what happens next, in UTC");
  cmd->add_option("request", *id, "Request (or grant) id; all requests if omitted");
  cmd->callback([&ctx, id] { ctx.exit_code = StatusCmd(ctx, *id); });
}

void RegisterEmergencyDecide(CLI::App& group, Context& ctx) {
  for (const char* verb : {"approve", "reject"}) {
    auto id = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    const std::string v = verb;
    auto* cmd = group.add_subcommand(
        v, v == "approve"
               ? "Release a waiting request now (admins or the grantor)"
               : "Refuse a waiting request: nothing is released (admins or the grantor)");
    cmd->add_option("request", *id, "Request (or grant) id")->required();
    cmd->add_option("--reason", *reason, "Why (recorded in the audit log)");
    cmd->callback([&ctx, id, reason, v] { ctx.exit_code = Decide(ctx, *id, v, *reason); });
  }
  {
    auto id = std::make_shared<std::string>();
    auto* cmd = group.add_subcommand(
        "confirm", "As another deputy of the same grantor: confirm a request (two-person rule)");
    cmd->add_option("request", *id, "Request (or grant) id")->required();
    cmd->callback([&ctx, id] { ctx.exit_code = Decide(ctx, *id, "confirm", ""); });
  }
}

}  // namespace cli
