// The sheets' string table: English, Finnish and Estonian. Commands in the
// text are the same in every language, since people type them as printed.
#include <array>
#include <cctype>
#include <string>
#include <string_view>

#include "sheet_internal.h"

namespace backup::sheet {
namespace internal {
namespace {

constexpr size_t kMsgCount = static_cast<size_t>(Msg::kCount);
using Table = std::array<std::string_view, kMsgCount>;

constexpr Table kEnglish = {
    "page {} of {}",
    "Recovery share",
    "share {} of {} — any {} recover",
    "SECRET. This share is one part of your team's recovery key. Do not photograph, scan or "
    "type it into anything but baton.",
    "Team",
    "Custodian",
    "Share",
    "Recovery key fingerprint",
    "Date",
    "Share words",
    "The share words as a QR code",
    "What this is",
    "Your team's vault can be recovered without its server from a backup and the recovery "
    "key. The key is split into shares kept by different people; this sheet is one share. "
    "Alone it reveals nothing.",
    "Where to keep it",
    "Somewhere locked and dry that you can reach in an emergency: a home safe or a bank deposit "
    "box. Not with another custodian's share and not beside the backups.",
    "In an emergency",
    "1. Gather {} custodians with their sheets (any of them, in any order).",
    "2. On any computer with baton installed, with no server and no network needed:\n"
    "baton recover --backup BACKUP-FILE",
    "3. Type each share's words when asked. baton checks every word and says when enough "
    "shares are in, then lists the items (baton recover --help shows more).",
    "Using the age tool directly",
    "Write the age identity made from the shares to a file:\n"
    "baton recover --print-age-identity > identity.txt\n"
    "Then any copy of age opens a backup:\n"
    "age -d -i identity.txt BACKUP-FILE > backup.json\n"
    "Delete identity.txt afterwards: it opens every backup.",
    "Once a year",
    "Check that this share is intact and still belongs to the team:\n"
    "baton recovery check\n"
    "It tells you the share's number without revealing the share.",
    "The other custodians",
    "(none)",
    "Break-glass sheet",
    "{} — printed {} — vault state {}",
    "SECRET. Anyone holding this sheet can log in to every service on it. Keep it locked away; "
    "shred it when a newer one is printed.",
    "Is this sheet current? baton sheet check {}",
    "Login",
    "Password",
    "Backup codes",
    "Last rotation",
    "TOTP: scan with an authenticator app",
    "never",
    "Server sheet",
    "{} — printed {}",
    "Keep with the team's recovery documents. Holds no secrets, but tells a stranger where the "
    "vault is.",
    "Server URL",
    "TLS certificate fingerprint (SHA-256)",
    "Audit signing key fingerprint",
    "Backups",
    "Printed",
    "How to restore",
    "1. Install batond on a new machine (Debian package baton-server).",
    "2. Fetch the newest backup file from: {}",
    "3. batond restore BACKUP-FILE --data NEW-DIR, then type the recovery shares when asked "
    "(or --identity FILE for an age identity).",
    "4. Start batond serve on NEW-DIR. It serves the same TLS certificate and audit key, so "
    "compare the fingerprints above and clients reconnect unchanged.",
    "part {} of {}",
};

constexpr Table kFinnish = {
    "sivu {}/{}",
    "Palautusosa",
    "osa {}/{} — mitkä tahansa {} palauttavat",
    "SALAINEN. Tämä osa on yksi pala tiimisi palautusavaimesta. Älä valokuvaa, skannaa tai "
    "kirjoita sitä mihinkään muuhun kuin batoniin.",
    "Tiimi",
    "Säilyttäjä",
    "Osa",
    "Palautusavaimen sormenjälki",
    "Päiväys",
    "Osan sanat",
    "Osan sanat QR-koodina",
    "Mikä tämä on",
    "Tiimisi holvin voi palauttaa ilman palvelinta varmuuskopiosta ja palautusavaimella. "
    "Avain on jaettu osiin, joita eri ihmiset säilyttävät; tämä arkki on yksi osa. Yksinään "
    "se ei paljasta mitään.",
    "Missä säilyttää",
    "Lukitussa ja kuivassa paikassa, johon pääset hätätilanteessa: kotikassakaapissa tai "
    "pankin tallelokerossa. Ei toisen säilyttäjän osan eikä varmuuskopioiden vieressä.",
    "Hätätilanteessa",
    "1. Kokoa {} säilyttäjää arkkeineen (ketkä tahansa, missä järjestyksessä tahansa).",
    "2. Millä tahansa tietokoneella, jossa on baton, ilman palvelinta ja verkkoa:\n"
    "baton recover --backup BACKUP-FILE",
    "3. Kirjoita kunkin osan sanat pyydettäessä. baton tarkistaa jokaisen sanan, kertoo kun "
    "osia on tarpeeksi ja listaa tietueet (baton recover --help kertoo lisää).",
    "Pelkällä age-työkalulla",
    "Kirjoita osista johdettu age-identiteetti tiedostoon:\n"
    "baton recover --print-age-identity > identity.txt\n"
    "Sen jälkeen mikä tahansa age avaa varmuuskopion:\n"
    "age -d -i identity.txt BACKUP-FILE > backup.json\n"
    "Poista identity.txt lopuksi: se avaa kaikki varmuuskopiot.",
    "Kerran vuodessa",
    "Tarkista, että osa on ehjä ja kuuluu yhä tiimille:\n"
    "baton recovery check\n"
    "Se kertoo osan numeron paljastamatta osaa.",
    "Muut säilyttäjät",
    "(ei muita)",
    "Hätäarkki",
    "{} — tulostettu {} — holvin tila {}",
    "SALAINEN. Tämän arkin haltija pääsee kirjautumaan jokaiseen siinä mainittuun palveluun. "
    "Pidä se lukkojen takana; silppua se, kun uusi tulostetaan.",
    "Onko arkki ajan tasalla? baton sheet check {}",
    "Tunnus",
    "Salasana",
    "Varakoodit",
    "Viimeksi vaihdettu",
    "TOTP: skannaa todennussovelluksella",
    "ei koskaan",
    "Palvelinarkki",
    "{} — tulostettu {}",
    "Säilytä tiimin palautusasiakirjojen kanssa. Ei salaisuuksia, mutta kertoo vieraalle, "
    "missä holvi on.",
    "Palvelimen osoite",
    "TLS-varmenteen sormenjälki (SHA-256)",
    "Lokin allekirjoitusavaimen sormenjälki",
    "Varmuuskopiot",
    "Tulostettu",
    "Näin palautat",
    "1. Asenna batond uuteen koneeseen (Debian-paketti baton-server).",
    "2. Hae uusin varmuuskopio paikasta: {}",
    "3. batond restore BACKUP-FILE --data NEW-DIR ja kirjoita palautusosat pyydettäessä "
    "(tai --identity FILE age-identiteetille).",
    "4. Käynnistä batond serve hakemistolla NEW-DIR. Se käyttää samaa TLS-varmennetta ja "
    "lokiavainta: vertaa yllä olevia sormenjälkiä, ja asiakkaat yhdistävät ennallaan.",
    "osa {}/{}",
};

constexpr Table kEstonian = {
    "lehekülg {}/{}",
    "Taasteosa",
    "osa {}/{} — taastamiseks piisab mis tahes {} osast",
    "SALAJANE. See osa on üks tükk teie meeskonna taastevõtmest. Ärge pildistage, skannige "
    "ega sisestage seda kuhugi peale batoni.",
    "Meeskond",
    "Hoidja",
    "Osa",
    "Taastevõtme sõrmejälg",
    "Kuupäev",
    "Osa sõnad",
    "Osa sõnad QR-koodina",
    "Mis see on",
    "Teie meeskonna hoidla saab taastada ilma serverita varukoopiast ja taastevõtmega. Võti on "
    "jagatud osadeks, mida hoiavad eri inimesed; see leht on üks osa. Üksinda ei paljasta see "
    "midagi.",
    "Kus hoida",
    "Lukustatud ja kuivas kohas, kuhu hädaolukorras ligi pääsete: kodus seifis või panga "
    "hoiulaekas. Mitte teise hoidja osa ega varukoopiate kõrval.",
    "Hädaolukorras",
    "1. Koguge kokku {} hoidjat koos lehtedega (ükskõik kes, ükskõik mis järjekorras).",
    "2. Mis tahes arvutis, kus on baton, ilma serveri ja võrguta:\n"
    "baton recover --backup BACKUP-FILE",
    "3. Sisestage küsimisel iga osa sõnad. baton kontrollib iga sõna, ütleb, kui osi on "
    "piisavalt, ja näitab kirjeid (baton recover --help räägib rohkem).",
    "Ainult age-tööriistaga",
    "Kirjutage osadest tuletatud age-identiteet faili:\n"
    "baton recover --print-age-identity > identity.txt\n"
    "Seejärel avab iga age varukoopia:\n"
    "age -d -i identity.txt BACKUP-FILE > backup.json\n"
    "Kustutage identity.txt pärast: see avab kõik varukoopiad.",
    "Kord aastas",
    "Kontrollige, et osa on terve ja kuulub ikka meeskonnale:\n"
    "baton recovery check\n"
    "See ütleb osa numbri osa paljastamata.",
    "Teised hoidjad",
    "(teisi pole)",
    "Hädaleht",
    "{} — trükitud {} — hoidla seis {}",
    "SALAJANE. Selle lehe valdaja pääseb sisse igasse siin nimetatud teenusesse. Hoidke seda "
    "luku taga; hävitage see, kui trükitakse uus.",
    "Kas leht on ajakohane? baton sheet check {}",
    "Kasutajanimi",
    "Parool",
    "Varukoodid",
    "Viimati vahetatud",
    "TOTP: skannige autentimisrakendusega",
    "mitte kunagi",
    "Serveri leht",
    "{} — trükitud {}",
    "Hoidke koos meeskonna taastedokumentidega. Saladusi pole, kuid võõras saab teada, kus "
    "hoidla on.",
    "Serveri aadress",
    "TLS-sertifikaadi sõrmejälg (SHA-256)",
    "Auditi allkirjavõtme sõrmejälg",
    "Varukoopiad",
    "Trükitud",
    "Kuidas taastada",
    "1. Paigaldage batond uude masinasse (Debiani pakett baton-server).",
    "2. Tooge uusim varukoopia asukohast: {}",
    "3. batond restore BACKUP-FILE --data NEW-DIR ja sisestage küsimisel taasteosad "
    "(või --identity FILE age-identiteedi jaoks).",
    "4. Käivitage batond serve kaustaga NEW-DIR. See kasutab sama TLS-sertifikaati ja "
    "auditivõtit: võrrelge ülal olevaid sõrmejälgi ja kliendid ühenduvad muutmata kujul.",
    "osa {}/{}",
};

}  // namespace

std::string_view Tr(Language language, Msg msg) {
  const Table& table = language == Language::kFi   ? kFinnish
                       : language == Language::kEt ? kEstonian
                                                   : kEnglish;
  return table[static_cast<size_t>(msg)];
}

std::string Phrase(Language language, Msg msg, std::initializer_list<std::string_view> args) {
  const std::string_view pattern = Tr(language, msg);
  std::string out;
  auto next = args.begin();
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern.compare(i, 2, "{}") == 0 && next != args.end()) {
      out += *next++;
      ++i;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

}  // namespace internal

namespace {

std::string SheetAsciiLower(std::string_view s) {
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

}  // namespace

vault::Result<Language> ParseLanguage(std::string_view code) {
  const std::string lower = SheetAsciiLower(code);
  if (lower == "en") return Language::kEn;
  if (lower == "fi") return Language::kFi;
  if (lower == "et") return Language::kEt;
  return std::unexpected(
      vault::Status::InvalidArgument("unknown sheet language (choose en, fi or et)"));
}

vault::Result<Paper> ParsePaper(std::string_view name) {
  const std::string lower = SheetAsciiLower(name);
  if (lower == "a4") return Paper::kA4;
  if (lower == "letter") return Paper::kLetter;
  return std::unexpected(
      vault::Status::InvalidArgument("unknown paper size (choose a4 or letter)"));
}

}  // namespace backup::sheet
