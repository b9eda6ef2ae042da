// Spreadsheet files in and out: .xlsx (read/write) and .csv (UTF-8 or GB18030/GBK).
