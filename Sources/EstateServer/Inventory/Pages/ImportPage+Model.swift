import EstateCore
import Plot
import Vapor

/// 导入楼盘表: the template, the upload with live progress, and every bad row
/// when the file is refused.
enum ImportPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var layouts: [String]
    }
}
