// Runs the commands that need the network stack; `templatetrack` replaces itself with this
// binary for them, with the same arguments.
import TemplateTrackCommandLine
import TemplateTrackNetworkCommands

NetworkCommandRunner.install()
await TemplateTrackCommand.start()
