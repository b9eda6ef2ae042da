import Foundation
import Testing
@testable import EstateSheets

@Suite("10,000 × 16 generate → write → read")
struct LargeSheetTests {
    static func makeSheet(rows count: Int) -> Sheet {
        let columns: [SheetColumn] = [
            SheetColumn("房号"), SheetColumn("楼栋"), SheetColumn("单元", format: .integer), SheetColumn("楼层", format: .integer),
            SheetColumn("业主姓名", format: .text), SheetColumn("手机号", format: .text), SheetColumn("身份证号", format: .text),
            SheetColumn("建筑面积", format: .area), SheetColumn("套内面积", format: .area), SheetColumn("单价", format: .money),
            SheetColumn("总价", format: .money), SheetColumn("物业费", format: .money), SheetColumn("收缴率", format: .percent),
            SheetColumn("状态"), SheetColumn("备注", width: 40), SheetColumn("合同号"),
        ]
        let surnames = ["张", "王", "李", "赵", "刘", "陈", "杨", "黄"]
        let statuses = ["已售", "待售", "已租", "自住"]
        var rows: [[SheetCell]] = []
        rows.reserveCapacity(count)
        for i in 0..<count {
            let building = i / 400 + 1
            let unit = (i / 100) % 4 + 1
            let floor = (i / 4) % 25 + 1
            rows.append([
                .text("\(building)-\(unit)-\(floor)0\(i % 4 + 1)"),
                .text("\(building)号楼"),
                .integer(Int64(unit)),
                .integer(Int64(floor)),
                .text(surnames[i % surnames.count] + "业主\(i)"),
                .text("138\(String(format: "%08d", i))"),
                .text("11010519900101\(String(format: "%04d", i % 10_000))"),
                .decimal(Int64(8_000 + i % 5_000), scale: 2),
                .decimal(Int64(7_000 + i % 4_000), scale: 2),
                .decimal(Int64(1_500_000 + i * 7), scale: 2),
                .decimal(Int64(150_000_000 + i * 1_234), scale: 2),
                .decimal(Int64(i % 3 == 0 ? 0 : 25_00 + i), scale: 2),
                .decimal(Int64(i % 10_000), scale: 4),
                .text(statuses[i % statuses.count]),
                i % 7 == 0 ? .text("=备注\(i)") : (i % 5 == 0 ? .empty : .text("第\(i)行的备注，含“引号”和<尖括号>&")),
                .text("HT-2024-\(i)"),
            ])
        }
        return Sheet(name: "房源清单", columns: columns, rows: rows)
    }

    @Test("10k rows round trip; prints the elapsed times")
    func tenThousandRows() throws {
        let sheet = Self.makeSheet(rows: 10_000)
        let clock = ContinuousClock()
        var data = Data()
        let writeTime = try clock.measure { data = try XLSXWriter.data([sheet]) }
        var rows: [SheetRow] = []
        let readTime = try clock.measure { rows = try XLSXReader.rows(data) }
        var csv = Data()
        let csvWriteTime = clock.measure {
            csv = CSVWriter.data(header: sheet.columns.map(\.title), rows: sheet.rows)
        }
        var csvRows: [SheetRow] = []
        let csvReadTime = try clock.measure { csvRows = try CSVReader.rows(csv).rows }
        print("10k×16 xlsx: write \(writeTime) (\(data.count) bytes), read \(readTime); csv: write \(csvWriteTime), read \(csvReadTime)")

        #expect(rows.count == 10_001)
        #expect(rows[0].cells == sheet.columns.map(\.title))
        #expect(rows[1].cells[0] == "1-1-101")
        #expect(rows[1].cells[9] == "15000.00")
        #expect(rows.last?.number == 10_001)
        #expect(rows[7_001].cells[14] == "=备注7000")
        #expect(rows[6].cells[14] == "")  // data row i = 5: .empty
        // Every written cell reads back as its text.
        var mismatches: [String] = []
        for (index, written) in sheet.rows.enumerated() {
            let read = rows[index + 1]
            for (column, cell) in written.enumerated() {
                let text = column < read.cells.count ? read.cells[column] : ""
                let expected: String
                switch cell {
                case .text(let s): expected = s
                case .integer(let v): expected = String(v)
                case .decimal(let v, let scale): expected = DecimalText.format(v, scale: scale)
                case .empty: expected = ""
                }
                if text != expected { mismatches.append("row \(read.number) col \(column): \(text) != \(expected)") }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(csvRows.count == 10_001)
        #expect(csvRows[7_001].cells[14] == "'=备注7000")
        #expect(csvRows[2].cells[4] == rows[2].cells[4])
    }
}
