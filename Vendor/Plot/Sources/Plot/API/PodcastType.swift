/**
*  Plot
*  Copyright (c) John Sundell 2019
*  MIT license, see LICENSE file for details
*/

import Foundation

/// Enum describing various podcast types supported by Apple Podcasts.
public enum PodcastType: String, Codable {
    case episodic
    case serial
}
