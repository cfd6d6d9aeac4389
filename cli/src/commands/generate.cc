// generate: a random password or passphrase; needs no server.

#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/exit_codes.h"
#include "commands/item_commands.h"
#include "item_view.h"
#include "short_names.h"
#include "vault/generator.h"

namespace cli {
namespace {

struct GenerateOptions {
  int length = vault::gen::kDefaultLength;
  bool no_symbols = false;
  bool no_digits = false;
  bool avoid_ambiguous = false;
  std::string exclude;
  bool passphrase = false;
  int words = vault::gen::kDefaultWords;
  std::string separator = "-";
  bool capitalize = false;
};

int Generate(Context& ctx, const GenerateOptions& o) {
  Result<SecureBuffer> secret;
  Result<double> bits;
  if (o.passphrase) {
    vault::gen::PassphrasePolicy policy;
    policy.words = o.words;
    policy.separator = o.separator;
    policy.capitalize = o.capitalize;
    if (Status s = vault::gen::CheckPassphrasePolicy(policy); !s.ok()) return ctx.Fail(s);
    secret = vault::gen::GeneratePassphrase(ctx.env, policy);
    bits = vault::gen::PassphraseEntropyBits(policy);
  } else {
    vault::gen::PasswordPolicy policy;
    policy.length = o.length;
    policy.symbols = !o.no_symbols;
    policy.digits = !o.no_digits;
    policy.avoid_ambiguous = o.avoid_ambiguous;
    policy.exclude = o.exclude;
    if (Status s = vault::gen::CheckPasswordPolicy(policy); !s.ok()) return ctx.Fail(s);
    secret = vault::gen::GeneratePassword(ctx.env, policy);
    bits = vault::gen::PasswordEntropyBits(policy);
  }
  if (!secret) return ctx.Fail(secret.error());
  if (!bits) return ctx.Fail(bits.error());
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", *bits);
  ctx.console.err << "entropy: " << buf << " bits\n";
  if (ctx.options.json) {
    WriteJsonWithSecret(ctx.console.out, json{{"entropy_bits", *bits}},
                        o.passphrase ? "passphrase" : "password", &*secret);
  } else {
    WriteRaw(ctx.console.out, *secret);
    ctx.console.out << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterGenerateCommand(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<GenerateOptions>();
  auto* cmd = app.add_subcommand(
      "generate",
      "Print a new random password (or a --diceware passphrase); its entropy goes to stderr. "
      "Needs no server");
  auto* length =
      cmd->add_option("--length", o->length, "Password length (8 to 128)")->capture_default_str();
  auto* no_symbols = cmd->add_flag("--no-symbols", o->no_symbols, "No punctuation characters");
  auto* no_digits = cmd->add_flag("--no-digits", o->no_digits, "No digits");
  auto* exclude = cmd->add_option("--exclude", o->exclude, "Never use these characters");
  auto* ambiguous =
      cmd->add_flag("--avoid-ambiguous", o->avoid_ambiguous, "Leave out look-alikes (I l 1 O 0 o)");
  auto* pass = cmd->add_flag("--diceware", o->passphrase,
                             "A passphrase: words from the EFF long list instead of characters");
  for (auto* opt : {length, no_symbols, no_digits, exclude, ambiguous}) opt->excludes(pass);
  cmd->add_option("--words", o->words, "Passphrase words (3 to 20)")
      ->capture_default_str()
      ->needs(pass);
  cmd->add_option("--separator", o->separator, "Between passphrase words")
      ->capture_default_str()
      ->needs(pass);
  cmd->add_flag("--capitalize", o->capitalize, "Capitalise each passphrase word")->needs(pass);
  cmd->callback([&ctx, o] { ctx.exit_code = Generate(ctx, *o); });
}

}  // namespace cli
