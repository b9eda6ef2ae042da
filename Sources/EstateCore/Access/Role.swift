/// A role a user holds on a project (or on every project), DOMAIN.md §1.
public enum Role: String, CaseIterable, Codable, Sendable, Hashable {
    /// 系统管理员
    case admin
    /// 总经理 / 副总
    case gm
    /// 客服经理/主管
    case csManager = "cs_manager"
    /// 客服专员
    case csStaff = "cs_staff"
    /// 案场经理
    case salesManager = "sales_manager"
    /// 置业顾问
    case consultant
    /// 财务
    case finance
    /// 渠道经理
    case channelManager = "channel_manager"
    /// 拓客专员
    case channelStaff = "channel_staff"
    /// 外部经纪人: an outside broker's user (issue 17). Call-centre agents (坐席) are `csStaff`
    /// on the call-centre desk (issue 16); DOMAIN.md §1 still lists `agent` as 坐席.
    case agent
    /// 班长
    case shiftLead = "shift_lead"
    /// 呼叫中心主管
    case ccSupervisor = "cc_supervisor"
    /// 工程部/维修
    case engineer
    /// 物业
    case property
    /// 法务
    case legal
    /// 采购员
    case procurementStaff = "procurement_staff"
    /// 采购经理
    case procurementManager = "procurement_manager"
    /// 商场客服
    case mallCS = "mall_cs"
    /// 商场客服主管: approves VIP cards, signs the desk's daily log, receives escalated complaints (issue 20).
    case mallSupervisor = "mall_supervisor"

    /// The string-catalogue key of the role's display name.
    public var catalogKey: String { "role.\(rawValue)" }
}
