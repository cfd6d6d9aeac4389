// recovery setup|check|status|seal: the team recovery key, split into
// SLIP-39 shares for custodians (docs/recovery.md). The master secret and
// the shares exist only here, in locked memory; the server gets the two
// public keys, a signed roster statement naming them, and a keyed hash of
// each share.
#include <CLI/CLI.hpp>
#include <memory>

#include "backup/age.h"
#include "backup/recovery_key.h"
#include "backup/sheet_builders.h"
#include "backup/slip39.h"
#include "cli/exit_codes.h"
#include "context.h"
#include "recovery_seal.h"
#include "vault/api_json_recovery.h"
#include "vault/identity.h"
#include "vault/time_format.h"

namespace cli {
namespace {

using nlohmann::json;
using vault::Status;
namespace crypto = vault::crypto;
namespace slip39 = backup::slip39;

constexpr char kRecoveryNotSetUp[] =
    "Recovery is not set up: an owner runs `baton recovery setup`.\n";

struct RecoverySetupOptions {
  int threshold = 0;
  int shares = 0;
  std::string out_dir;
  std::vector<std::string> custodians;
  // --print: a PDF share sheet per custodian in out_dir, instead of text.
  bool print = false;
  std::string team;
  std::string lang = "en";
  std::string paper = "a4";
};

// The check value of a share: a keyed BLAKE2b-256 of its one spelling, so
// that however it was typed it checks the same, and the value means
// nothing outside this team.
vault::Result<crypto::Hash> ShareCheck(const crypto::Hash& check_key, std::string_view share) {
  auto normal = slip39::Normalize(share);
  if (!normal) return vault::Fail(normal.error());
  vault::SecureBuffer key(check_key.size());
  std::copy(check_key.begin(), check_key.end(), key.data());
  return crypto::Blake2b256Keyed(key, crypto::AsBytes(slip39::MnemonicText(*normal)));
}

vault::Result<crypto::Hash> FetchCheckKey(Context& ctx) {
  auto c = ctx.client();
  if (!c) return vault::Fail(c.error());
  auto a = (*c)->Get("/v1/recovery/check-key", &vault::api::RecoveryCheckKeyFromJson);
  if (!a) return vault::Fail(a.error());
  return a->check_key;
}

std::string ShareFileName(const std::string& dir, int index, int count, bool pdf = false) {
  return dir + "/share-" + std::to_string(index) + "-of-" + std::to_string(count) +
         (pdf ? ".pdf" : ".txt");
}

// Everything that can be refused without a key drawn or a request sent.
Status CheckRecoverySetupOptions(Context& ctx, const RecoverySetupOptions& o) {
  if (o.shares > slip39::kMaxShareCount) {
    return Status::InvalidArgument("at most " + std::to_string(slip39::kMaxShareCount) +
                                   " shares, not " + std::to_string(o.shares));
  }
  if (o.threshold < 2) {
    return Status::InvalidArgument("the threshold must be at least 2, not " +
                                   std::to_string(o.threshold));
  }
  if (o.threshold > o.shares) {
    return Status::InvalidArgument("the threshold " + std::to_string(o.threshold) +
                                   " is more than the " + std::to_string(o.shares) + " shares");
  }
  if (o.custodians.size() > static_cast<size_t>(o.shares)) {
    return Status::InvalidArgument(std::to_string(o.custodians.size()) + " custodians for " +
                                   std::to_string(o.shares) + " shares");
  }
  if (o.print) {
    if (o.out_dir.empty() || o.team.empty()) {
      return Status::InvalidArgument("--print needs --out-dir and --team");
    }
    if (auto l = backup::sheet::ParseLanguage(o.lang); !l) return l.error();
    if (auto p = backup::sheet::ParsePaper(o.paper); !p) return p.error();
  }
  if (o.out_dir.empty()) return Status::OK();
  // Checked now: once the server took the set-up, a share that cannot be
  // written means setting up again.
  if (!ctx.env.ListDir(o.out_dir)) {
    return Status::InvalidArgument("--out-dir " + o.out_dir +
                                   " is not an existing directory; create it first (mode 0700)");
  }
  for (int i = 1; i <= o.shares; ++i) {
    const std::string path = ShareFileName(o.out_dir, i, o.shares, o.print);
    if (ctx.env.FileExists(path)) {
      return Status::AlreadyExists(path + " exists already; choose an empty directory");
    }
  }
  return Status::OK();
}

std::string CustodianOf(const RecoverySetupOptions& o, int index) {
  const auto i = static_cast<size_t>(index - 1);
  return i < o.custodians.size() ? o.custodians[i] : "custodian " + std::to_string(index);
}

// One share for one custodian on the terminal, the screen cleared after.
void ShowShareOnTerminal(Context& ctx, const std::string& custodian, int index, int count,
                         std::string_view words) {
  std::ostream& out = ctx.console.out;
  out << "Share " << index << " of " << count << " for " << Printable(custodian)
      << ". Write the words down in order, on paper:\n\n";
  int n = 0;
  size_t start = 0;
  while (start < words.size()) {
    size_t end = words.find(' ', start);
    if (end == std::string_view::npos) end = words.size();
    ++n;
    out << (n < 10 ? " " : "") << n << ". ";
    WritePrintable(out, words.substr(start, end - start));
    out << (n % 4 == 0 ? "\n" : "\t");
    start = end + 1;
  }
  out << "\n\nPress Enter when " << Printable(custodian) << " has it, to clear the screen.";
  out.flush();
  std::string line;
  std::getline(ctx.console.in, line);
  out << "\033[2J\033[3J\033[H";  // clear, scrollback too
  out.flush();
}

// Words a custodian can compare between their sheet and the team's key:
// both public halves, hashed together.
std::string RecoveryFingerprint(const backup::recovery::RecoveryKeys& keys) {
  return vault::HashWords(crypto::Blake2b256({keys.box.public_key, keys.age_public_key}));
}

// One PDF share sheet per custodian (backup/sheet_builders.h), all or none.
Status PrintShareSheets(Context& ctx, const RecoverySetupOptions& o,
                        const std::vector<slip39::Mnemonic>& shares,
                        const std::string& fingerprint) {
  std::vector<vault::SecureBuffer> texts;
  std::vector<std::string> custodians;
  for (int i = 1; i <= o.shares; ++i) {
    texts.push_back(vault::SecureBuffer::CopyOf(
        crypto::AsBytes(slip39::MnemonicText(shares[static_cast<size_t>(i - 1)]))));
    custodians.push_back(CustodianOf(o, i));
  }
  auto language = backup::sheet::ParseLanguage(o.lang);
  if (!language) return language.error();
  auto paper = backup::sheet::ParsePaper(o.paper);
  if (!paper) return paper.error();
  backup::sheet::OutputOptions out;
  out.pdf.paper = *paper;
  auto written = backup::sheet::WriteShareSheets(ctx.env,
                                                 {.team = o.team,
                                                  .recovery_fingerprint = fingerprint,
                                                  .date = ctx.env.Now(),
                                                  .threshold = o.threshold,
                                                  .custodians = custodians,
                                                  .shares = texts},
                                                 *language, out, o.out_dir);
  if (!written) return written.error();
  for (size_t i = 0; i < written->size(); ++i) {
    ctx.console.out << "Wrote the share sheet of " << Printable(custodians[i]) << " to "
                    << (*written)[i] << "\n";
  }
  return Status::OK();
}

int RecoverySetup(Context& ctx, const RecoverySetupOptions& o) {
  if (Status s = CheckRecoverySetupOptions(ctx, o); !s.ok()) return ctx.Fail(s);
  auto trust = ctx.trust();
  if (!trust) return ctx.Fail(trust.error());
  if (Status s = (*trust)->RequirePinnedRoster(); !s.ok()) return ctx.Fail(s);
  // The roster says who the owners are; a legacy team's server refuses.
  if (const vault::roster::State* state = (*trust)->roster()) {
    auto p = ctx.profile();
    if (!p) return ctx.Fail(p.error());
    const vault::roster::Member* me = state->ActiveMember((*p)->member_id);
    if (me == nullptr || me->role != vault::TeamRole::kOwner) {
      return ctx.Fail(Status::PermissionDenied("only an owner sets up the recovery key"));
    }
  }
  auto check_key = FetchCheckKey(ctx);
  if (!check_key) return ctx.Fail(check_key.error());

  const vault::SecureBuffer master = backup::recovery::GenerateMasterSecret(ctx.env);
  auto keys = backup::recovery::DeriveRecoveryKeys(master);
  if (!keys) return ctx.Fail(keys.error());
  slip39::SplitOptions split;
  split.groups = {{o.threshold, o.shares}};
  auto groups = slip39::Split(ctx.env, master, {}, split);
  if (!groups) return ctx.Fail(groups.error());
  const std::vector<slip39::Mnemonic>& shares = groups->front();

  json list = json::array();
  for (int i = 1; i <= o.shares; ++i) {
    auto check = ShareCheck(*check_key, slip39::MnemonicText(shares[static_cast<size_t>(i - 1)]));
    if (!check) return ctx.Fail(check.error());
    list.push_back(
        {{"index", i}, {"custodian", CustodianOf(o, i)}, {"check", crypto::ToBase64(*check)}});
  }
  const std::string age_recipient = backup::age::Recipient::FromKey(keys->age_public_key).Format();
  json body = {{"recovery_public_key", crypto::ToBase64(keys->box.public_key)},
               {"age_recipient", age_recipient},
               {"threshold", o.threshold},
               {"shares", list}};
  auto answer = SendWithStatements(
      ctx, "PUT", "/v1/recovery", body,
      [&](const vault::roster::State&) -> vault::Result<std::vector<vault::roster::Body>> {
        return std::vector<vault::roster::Body>{
            vault::roster::RecoveryKeysSet{keys->box.public_key, keys->age_public_key}};
      },
      &vault::api::RecoveryStatusFromJson);
  if (!answer) return ctx.Fail(answer.error());

  // The server now holds the check values: the shares go out only once it
  // took them, so that no share is handed out for a set-up that failed.
  const std::string fingerprint = RecoveryFingerprint(*keys);
  if (o.print) {
    if (Status s = PrintShareSheets(ctx, o, shares, fingerprint); !s.ok()) {
      ctx.console.err << "baton: the recovery key is set up, but its sheets were not written; "
                         "run `baton recovery setup` again\n";
      return ctx.Fail(s);
    }
  }
  for (int i = 1; i <= o.shares && !o.print; ++i) {
    const std::string_view words = slip39::MnemonicText(shares[static_cast<size_t>(i - 1)]);
    if (o.out_dir.empty()) {
      ShowShareOnTerminal(ctx, CustodianOf(o, i), i, o.shares, words);
      continue;
    }
    const std::string path = ShareFileName(o.out_dir, i, o.shares);
    vault::SecureBuffer text(words.size() + 1);
    std::copy(words.begin(), words.end(), text.data());
    text.data()[words.size()] = '\n';
    if (Status s = ctx.env.WriteFileAtomic(path, text.bytes(), 0600); !s.ok()) {
      ctx.console.err << "baton: the recovery key is set up, but writing " << path
                      << " failed; run `baton recovery setup` again\n";
      return ctx.Fail(s);
    }
    ctx.console.out << "Wrote share " << i << " of " << o.shares << " for "
                    << Printable(CustodianOf(o, i)) << " to " << path << "\n";
  }

  auto sealed = SealRecoveryCopies(ctx, keys->box.public_key);
  if (!sealed) return ctx.Fail(sealed.error());
  ctx.console.out << "Recovery key set up: any " << o.threshold << " of " << o.shares
                  << " shares open every collection sealed to it and backups to " << age_recipient
                  << "\nIts fingerprint: " << fingerprint << "\n";
  if (!sealed->sealed.empty()) {
    ctx.console.out << "Sealed " << sealed->sealed.size() << " collections to it.\n";
  }
  // What is left is what this owner holds no key for.
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto status = (*c)->Get("/v1/recovery", &vault::api::RecoveryStatusFromJson);
  if (!status) return ctx.Fail(status.error());
  for (const auto& u : status->unsealed) {
    ctx.console.out << "Not sealed yet: " << Printable(u.name)
                    << " (you cannot open it; a member with manage access seals it at their "
                       "next sync)\n";
  }
  return kExitOk;
}

int RecoveryCheck(Context& ctx, bool share_stdin) {
  auto share = share_stdin ? ReadSecretFile(ctx.env, ctx.console.in, "-")
                           : ctx.console.read_secret("Your recovery share (it is not shown): ");
  if (!share) return ctx.Fail(share.error());
  const std::string_view text(reinterpret_cast<const char*>(share->data()), share->size());
  auto info = slip39::Inspect(text);
  if (!info) return ctx.Fail(info.error());
  auto check_key = FetchCheckKey(ctx);
  if (!check_key) return ctx.Fail(check_key.error());
  auto check = ShareCheck(*check_key, text);
  if (!check) return ctx.Fail(check.error());
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto answer = (*c)->Send("POST", "/v1/recovery/check",
                           json{{"index", info->member_index}, {"check", crypto::ToBase64(*check)}},
                           &vault::api::RecoveryCheckAnswerFromJson);
  if (!answer) return ctx.Fail(answer.error());
  if (!answer->matches) {
    return ctx.Fail(Status::InvalidArgument(
        "this share does not match this team's recovery key (a share of another team, or of "
        "an earlier set-up)"));
  }
  if (ctx.options.json) {
    ctx.console.out << vault::api::RecoveryCheckAnswerToJson(*answer).dump() << "\n";
  } else {
    ctx.console.out << "share " << answer->index << " of " << answer->shares
                    << ", intact, matches this team's recovery key (any " << answer->threshold
                    << " shares recover it)\n";
  }
  return kExitOk;
}

int RecoveryShowStatus(Context& ctx) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto s = (*c)->Get("/v1/recovery", &vault::api::RecoveryStatusFromJson);
  if (!s) return ctx.Fail(s.error());
  if (ctx.options.json) {
    json out = vault::api::RecoveryStatusToJson(*s);
    out.erase("check_key");
    ctx.console.out << out.dump() << "\n";
    return kExitOk;
  }
  if (s->threshold == 0) {
    ctx.console.out << kRecoveryNotSetUp;
    return kExitOk;
  }
  ctx.console.out << "Recovery key: any " << s->threshold << " of " << s->shares.size()
                  << " shares\n";
  for (const auto& sh : s->shares) {
    ctx.console.out << "  share " << sh.index << "  " << Printable(sh.custodian) << "  "
                    << (sh.last_checked_ms
                            ? "last checked " +
                                  vault::FormatUtc(*sh.last_checked_ms, vault::UtcFormat::kMinute)
                            : std::string("never checked"))
                    << "\n";
  }
  if (s->unsealed.empty()) {
    ctx.console.out << "Every collection is sealed to it.\n";
  }
  for (const auto& u : s->unsealed) {
    ctx.console.out << "Not sealed yet: " << Printable(u.name) << " (key version " << u.key_version
                    << ")\n";
  }
  return kExitOk;
}

int RecoverySealCommand(Context& ctx) {
  auto trust = ctx.trust();
  if (!trust) return ctx.Fail(trust.error());
  auto key = RecoveryKey(ctx, **trust);
  if (!key) return ctx.Fail(key.error());
  if (!*key) {
    ctx.console.out << kRecoveryNotSetUp;
    return kExitOk;
  }
  auto r = SealRecoveryCopies(ctx, **key);
  if (!r) return ctx.Fail(r.error());
  for (const auto& name : r->sealed) {
    ctx.console.out << "Sealed " << Printable(name) << " to the recovery key\n";
  }
  for (const auto& name : r->not_opened) {
    ctx.console.err << "baton: could not open the key of " << Printable(name) << "\n";
  }
  if (r->sealed.empty() && r->not_opened.empty()) {
    ctx.console.out << "Nothing to seal: every collection you manage is sealed.\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterRecoveryCommands(CLI::App& app, Context& ctx) {
  auto* group = app.add_subcommand(
      "recovery", "The team recovery key and its custodians' shares (docs/recovery.md)");
  group->require_subcommand(1);

  auto o = std::make_shared<RecoverySetupOptions>();
  auto* setup = group->add_subcommand(
      "setup", "Owners: make a new recovery key, split into shares for custodians");
  setup->add_option("--threshold", o->threshold, "Shares needed to recover (2 or more)")
      ->required();
  setup->add_option("--shares", o->shares, "Shares made, one per custodian (at most 16)")
      ->required();
  setup->add_option("--out-dir", o->out_dir,
                    "Write each share to DIR/share-<i>-of-<n>.txt (0600) instead of showing it");
  setup->add_option("--custodian", o->custodians, "Custodian of the next share (repeat)");
  setup->add_flag("--print", o->print,
                  "Write a PDF share sheet per custodian to --out-dir instead of text files");
  setup->add_option("--team", o->team, "Team name printed on the sheets (with --print)");
  setup->add_option("--lang", o->lang, "Language of the sheets: en, fi or et");
  setup->add_option("--paper", o->paper, "Paper size of the sheets: a4 or letter");
  setup->callback([&ctx, o] { ctx.exit_code = RecoverySetup(ctx, *o); });

  auto share_stdin = std::make_shared<bool>(false);
  auto* check = group->add_subcommand(
      "check", "Check your share against the team's recovery key, without revealing it");
  check->add_flag("--share-stdin", *share_stdin, "Read the share from standard input");
  check->callback([&ctx, share_stdin] { ctx.exit_code = RecoveryCheck(ctx, *share_stdin); });

  group->add_subcommand("status", "Custodians, their last checks and unsealed collections")
      ->callback([&ctx] { ctx.exit_code = RecoveryShowStatus(ctx); });
  group->add_subcommand("seal", "Seal the collections you manage to the recovery key")
      ->callback([&ctx] { ctx.exit_code = RecoverySealCommand(ctx); });
}

vault::Result<SealReport> SealRecoveryCopies(Context& ctx,
                                             const vault::crypto::PublicKey& recovery_pk) {
  auto c = ctx.client();
  if (!c) return vault::Fail(c.error());
  auto list = (*c)->Get("/v1/recovery/unsealed", &vault::api::RecoveryUnsealedFromJson);
  if (!list) return vault::Fail(list.error());
  SealReport report;
  for (const auto& u : list->unsealed) {
    auto key = ctx.write_key(u.id);
    if (!key) {
      report.not_opened.push_back(u.name);
      continue;
    }
    auto box = vault::envelope::SealCollectionKey(**key, recovery_pk);
    if (!box) return vault::Fail(box.error());
    auto posted = (*c)->Call(
        "POST", "/v1/collections/" + u.id + "/recovery-key",
        json{{"key_version", (*key)->version}, {"recovery_sealed_key", crypto::ToBase64(*box)}});
    if (!posted) return vault::Fail(posted.error());
    report.sealed.push_back(u.name);
  }
  return report;
}

void SealRecoveryCopiesAtSync(Context& ctx) {
  auto trust = ctx.trust();
  if (!trust || (*trust)->roster() == nullptr || !(*trust)->roster()->recovery_pk) return;
  auto r = SealRecoveryCopies(ctx, *(*trust)->roster()->recovery_pk);
  if (!r) {
    ctx.console.err << "baton: collections were not sealed to the recovery key: "
                    << Printable(r.error().message()) << "\n";
    return;
  }
  if (ctx.options.json) return;  // the sync's own answer is the output
  for (const auto& name : r->sealed) {
    ctx.console.out << "Sealed " << Printable(name) << " to the team's recovery key\n";
  }
}

}  // namespace cli
