import FluentKit
import Foundation

/// A development project (项目/楼盘): the unit of permission and of most reports.
final class ProjectRecord: Model, @unchecked Sendable {
    static let schema = "projects"

    @ID(key: .id) var id: UUID?
    /// Short code staff type and print ("HXY"), unique.
    @Field(key: "code") var code: String
    @Field(key: "name") var name: String
    @Field(key: "city") var city: String
    /// How a unit's total is rounded: to the fen (default) or to the yuan.
    @Field(key: "price_rounding") var priceRounding: String
    @Field(key: "is_active") var isActive: Bool
    /// 保护期: days a consultant keeps a customer after their last follow-up.
    @Field(key: "customer_protection_days") var customerProtectionDays: Int
    /// 出卖人: the developer's legal name, 统一社会信用代码, registered address, 预售许可证号.
    @Field(key: "seller_name") var sellerName: String
    @Field(key: "seller_credit_code") var sellerCreditCode: String
    @Field(key: "seller_address") var sellerAddress: String
    @Field(key: "presale_license") var presaleLicense: String
    /// 客服热线, shown to owners.
    @Field(key: "service_hotline") var serviceHotline: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// A building (楼栋) of a project.
final class BuildingRecord: Model, @unchecked Sendable {
    static let schema = "buildings"

    @ID(key: .id) var id: UUID?
    @Field(key: "project_id") var projectID: UUID
    /// As staff write it: "3号楼".
    @Field(key: "name") var name: String
    @Field(key: "sort_order") var sortOrder: Int
    @Field(key: "floors") var floors: Int
    @Field(key: "entrances") var entrances: Int

    init() {}
}

/// A unit (房间), with the fields of DOMAIN.md §2. Areas are hundredths of m²,
/// money is fen: integers, never floating point.
final class UnitRecord: Model, @unchecked Sendable {
    static let schema = "units"

    @ID(key: .id) var id: UUID?
    @Field(key: "project_id") var projectID: UUID
    @Field(key: "building_id") var buildingID: UUID
    @Field(key: "entrance") var entrance: Int
    @Field(key: "floor") var floor: Int
    @Field(key: "room") var room: String
    /// "3-1-1201": building, entrance, floor and room.
    @Field(key: "code") var code: String
    @Field(key: "layout") var layout: String
    @Field(key: "orientation") var orientation: String
    @Field(key: "usage") var usage: String
    @Field(key: "built_area") var builtArea: Int
    @Field(key: "inner_area") var innerArea: Int
    @Field(key: "pricing_basis") var pricingBasis: String
    @Field(key: "list_unit_price") var listUnitPrice: Int64
    @Field(key: "list_total") var listTotal: Int64
    @Field(key: "floor_price") var floorPrice: Int64
    @Field(key: "status") var status: String
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}
