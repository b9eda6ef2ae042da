import Foundation
import Vapor

extension Response {
    /// An .xlsx workbook the browser saves under `name` (a page's 导出 button).
    static func workbook(_ data: Data, name: String) -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: APIHandler.xlsxType)
        headers.replaceOrAdd(name: "Content-Disposition", value: APIHandler.attachment(name))
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }
}
