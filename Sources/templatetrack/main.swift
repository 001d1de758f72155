// The queries' binary: every command parses here; network commands hand over to
// templatetrack-network (see `NetworkCommands`).
import TemplateTrackCommandLine

await TemplateTrackCommand.start()
