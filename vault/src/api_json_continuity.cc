#include "vault/api_json_continuity.h"

#include "api_json_fields.h"

namespace vault::api {

using internal::Field;
using internal::FromJson;
using internal::Object;
using internal::Records;
using internal::ToJson;
namespace c = continuity;

namespace {

constexpr auto kCoverFields = std::tuple{
    Field("grant_id", &c::Cover::grant_id),
    Field("deputy", &c::Cover::deputy),
    Field("wait_s", &c::Cover::wait_s),
};

constexpr auto kContinuityItemFields = std::tuple{
    Field("id", &c::ItemEntry::id),
    Field("name", &c::ItemEntry::name),
    Field("collection_id", &c::ItemEntry::collection_id),
    Field("collection", &c::ItemEntry::collection),
    Field("channel", &c::ItemEntry::channel),
    Field("second_admin", &c::ItemEntry::second_admin),
    Field("rotation", &c::ItemEntry::rotation),
    Field("readers", &c::ItemEntry::readers),
    Field("covers", &c::ItemEntry::covers, Records(kCoverFields)),
};

constexpr auto kContinuityCollectionFields = std::tuple{
    Field("id", &c::CollectionEntry::id),
    Field("name", &c::CollectionEntry::name),
    Field("items", &c::CollectionEntry::items),
    Field("readers", &c::CollectionEntry::readers),
    Field("covers", &c::CollectionEntry::covers, Records(kCoverFields)),
};

constexpr auto kSoleHolderFields = std::tuple{
    Field("member", &c::SoleHolder::member),
    Field("collections", &c::SoleHolder::collections),
};

constexpr auto kShareCheckFields = std::tuple{
    Field("holder", &c::ShareCheck::holder),
    Field("last_checked_ms", &c::ShareCheck::last_checked_ms),
};

constexpr auto kRecoveryFields = std::tuple{
    Field("set_up", &c::Recovery::set_up),
    Field("threshold", &c::Recovery::threshold),
    Field("shares", &c::Recovery::shares, Records(kShareCheckFields)),
    Field("last_backup_ms", &c::Recovery::last_backup_ms),
};

constexpr auto kFindingFields = std::tuple{
    Field("severity", &c::Finding::severity, c::ParseSeverity),
    Field("kind", &c::Finding::kind),
    Field("subject", &c::Finding::subject),
    Field("message", &c::Finding::message),
    Field("fix", &c::Finding::fix),
};

constexpr auto kReportFields = std::tuple{
    Field("generated_ms", &c::Report::generated_ms),
    Field("items", &c::Report::items, Records(kContinuityItemFields)),
    Field("collections", &c::Report::collections, Records(kContinuityCollectionFields)),
    Field("sole_holders", &c::Report::sole_holders, Records(kSoleHolderFields)),
    Field("collections_without_deputy", &c::Report::collections_without_deputy),
    Field("grants_to_removed", &c::Report::grants_to_removed),
    Field("recovery", &c::Report::recovery, Object(kRecoveryFields)),
    Field("findings", &c::Report::findings, Records(kFindingFields)),
};

}  // namespace

nlohmann::json ContinuityReportToJson(const c::Report& r) { return ToJson(kReportFields, r); }

Result<c::Report> ContinuityReportFromJson(const nlohmann::json& j, std::string_view route) {
  return FromJson<c::Report>(kReportFields, j, route);
}

}  // namespace vault::api
