// calendar url, calendar revoke: a read-only iCalendar feed of the due dates
// of the items one is responsible for, for a calendar program to subscribe to.
#include <CLI/CLI.hpp>
#include <string>

#include "cli/exit_codes.h"
#include "commands/subcommands.h"
#include "context.h"
#include "short_names.h"

namespace cli {
namespace {

int CalendarUrl(Context& ctx, bool all) {
  auto p = ctx.profile();
  if (!p) return ctx.Fail(p.error());
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto r = (*c)->Send("POST", "/v1/calendar", json{{"all", all}}, &vault::api::ObjectFromJson);
  if (!r) return ctx.Fail(r.error());
  const std::string path = r->value("path", "");
  if (!path.starts_with("/v1/calendar/")) {
    return ctx.Fail(Status::Internal("the server sent a malformed answer to POST /v1/calendar"));
  }
  std::string base = (*p)->server_url;
  while (base.ends_with('/')) base.pop_back();
  const std::string url = base + path;
  if (ctx.options.json) {
    ctx.console.out << json{{"url", url}, {"all", all}}.dump() << "\n";
    return kExitOk;
  }
  ctx.console.out << url << "\n";
  ctx.console.err << "Anyone with this URL sees the names, channels and due dates of "
                  << (all ? "every item you can see" : "the items you are responsible for")
                  << " until you run `baton calendar revoke`; a new URL replaces the old one.\n";
  return kExitOk;
}

int CalendarRevoke(Context& ctx) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto r = (*c)->Send("DELETE", "/v1/calendar", std::nullopt, &vault::api::ObjectFromJson);
  if (!r) return ctx.Fail(r.error());
  if (ctx.options.json) {
    ctx.console.out << r->dump() << "\n";
  } else {
    ctx.console.out << "Revoked your calendar feed; its URL no longer works.\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterCalendarCommand(CLI::App& app, Context& ctx) {
  auto* cal = app.add_subcommand(
      "calendar", "A read-only calendar feed (iCalendar URL) of the rotations you are due");
  cal->require_subcommand(1);
  auto all = std::make_shared<bool>(false);
  auto* url = cal->add_subcommand(
      "url", "Make a new feed URL (the previous one stops working) and print it");
  url->add_flag("--all", *all, "Owners and admins: every item you can see, not only yours");
  url->callback([&ctx, all] { ctx.exit_code = CalendarUrl(ctx, *all); });
  auto* revoke = cal->add_subcommand("revoke", "Stop your feed URL from working");
  revoke->callback([&ctx] { ctx.exit_code = CalendarRevoke(ctx); });
}

}  // namespace cli
