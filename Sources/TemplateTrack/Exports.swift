// The library's public face: one import gives every stage.
@_exported import TemplateTrackBase
@_exported import TemplateTrackExtractor
@_exported import TemplateTrackFetcher
@_exported import TemplateTrackIndexer
@_exported import TemplateTrackSimulator
@_exported import TemplateTrackTemplates
