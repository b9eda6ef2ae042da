// swift-tools-version:5.4

/**
*  Plot
*  Copyright (c) John Sundell 2019
*  MIT license, see LICENSE file for details
*
*  Vendored from 0.14.0 (ab765bb) and patched for EstateDesk; see README.md.
*/

import PackageDescription

let package = Package(
    name: "Plot",
    products: [
        .library(name: "Plot", targets: ["Plot"])
    ],
    targets: [
        .target(name: "Plot")
    ]
)
