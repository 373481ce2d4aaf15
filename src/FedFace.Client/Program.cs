using System.CommandLine;
using FedFace.Client;
using FedFace.CommandLine;
using FedFace.Core;
using FedFace.Core.Storage;
using FedFace.Learning;
using FedFace.Learning.Backbones;
using FedFace.Learning.Numerics;
using FedFace.Learning.Onnx;
using FedFace.Protocol.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

// The commands, their flags and the settings' flags are in SiteCommandLine, which --help prints.
SiteCommandLine commandLine = SiteCommandLine.Create();
CommandLineOutcome parsed = commandLine.Program.Parse(args, Console.Out, Console.Error);
if (parsed.ExitCode is { } answered)
{
    return answered;
}
ParseResult command = parsed.Result;
if (command.CommandResult.Command == commandLine.InitModel)
{
    if (NumericsRefusal() is { } refused)
    {
        return refused;
    }
    string output = command.GetValue(commandLine.InitOut)!;
    string? onnx = command.GetValue(commandLine.FromOnnx);
    var architecture = BackboneArchitecture.Parse(command.GetValue(commandLine.Backbone)!);
    var model = onnx is null ? GlobalModelFactory.CreateInitial(command.GetValue(commandLine.Seed), architecture) : MobileFaceNetOnnx.Import(onnx);
    ModelFile.Write(output, model, version: 0);
    Console.WriteLine($"wrote {output}: {model.Tensors.Count} tensors, {model.ParameterCount:N0} parameters, sha256 {model.ComputeSha256Hex()}");
    return ExitCodes.Success;
}
if (command.CommandResult.Command == commandLine.ExportOnnx)
{
    return NumericsRefusal() ?? ExportOnnx(commandLine, command);
}

// --kit: the signed startup kit is checked before anything in it is used; its settings layer over the settings files, and the
// environment and the flags still override them.
IReadOnlyList<KeyValuePair<string, string?>> kitSettings;
try
{
    kitSettings = FedFace.Transport.Kits.SiteKitArguments.Settings(command.GetValue(commandLine.Kit), command.GetValue(commandLine.KitCa),
        command.GetValue(commandLine.KitCaFingerprint), command.GetValue(commandLine.KitDirectory));
}
catch (FedFace.Transport.Kits.StartupKitException e)
{
    Console.Error.WriteLine($"{SiteCommandLine.Name}: {e.Message}");
    return ExitCodes.UsageError;
}
// appsettings.json ships next to the binary, the --config file layers over it; both are checked for unknown keys.
HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = parsed.ConfigurationArguments(), ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddSettingsFile(parsed.ConfigFile);
builder.Configuration.AddOverFiles(kitSettings);
// Settings are checked before the host starts: each problem is one line, and the exit code says "fix the configuration".
SiteOptions site;
try
{
    UnknownSettings.Refuse(builder.Configuration, SiteOptions.Section, SiteCommandLine.Settings());
    site = builder.Configuration.GetSection(SiteOptions.Section).Get<SiteOptions>() ?? new SiteOptions();
}
catch (Exception e) when (e is InvalidOperationException or UnknownSettingsException)
{
    Console.Error.WriteLine($"{SiteCommandLine.Name}: {e.Message}");
    return ExitCodes.UsageError;
}
SettingsPaths.Resolve(site, SettingsPaths.Home(parsed.ConfigFile));
IReadOnlyList<string> problems = site.Problems(requireDataDirectory: true);
if (problems.Count > 0)
{
    foreach (string problem in problems)
    {
        Console.Error.WriteLine($"{SiteCommandLine.Name}: {problem}");
    }
    return ExitCodes.UsageError;
}
// Checked once the settings are: a mistyped key is told first, not after the check's second and its warnings.
if (NumericsRefusal() is { } numericsRefused)
{
    return numericsRefused;
}
builder.Services.AddSingleton(Options.Create(site));
// Outlives the host (RunAsync disposes it): the worker keeps a fatal fault here as one line.
var exit = new SiteExit();
builder.Services.AddSingleton(exit);
builder.Services.AddHostedService<SiteWorker>();
await builder.Build().RunAsync();
// Said last, where the operator looks, with a non-zero exit code for systemd or Kubernetes.
if (exit.Failure is { } failure)
{
    Console.Error.WriteLine($"{SiteCommandLine.Name}: {failure}");
    return ExitCodes.Failure;
}
return ExitCodes.Success;

// Every command builds a network (the worker trains one): refuse, in one line, on a machine whose convolutions compute
// wrong (or with an unknown FEDFACE_CONV_LAYOUT).
static int? NumericsRefusal()
{
    if (ConvolutionLayoutGuard.FailureAtStart() is { } numericsError)
    {
        Console.Error.WriteLine($"{SiteCommandLine.Name}: error: {numericsError}");
        return ExitCodes.Failure;
    }
    return null;
}

// The file carries the normalisation the federation trained with (and a measured threshold, when there is one), so that
// serving it cannot mismatch them: the .ffm model does not know them, so the operator says them here, once.
static int ExportOnnx(SiteCommandLine commandLine, ParseResult command)
{
    string input = command.GetValue(commandLine.Model)!, output = command.GetValue(commandLine.ExportOut)!, normalization = command.GetValue(commandLine.Normalization)!;
    string? thresholdText = command.GetValue(commandLine.Threshold), thresholdSource = command.GetValue(commandLine.ThresholdSource);
    float threshold = 0;
    if (thresholdText is not null && !ModelCard.TryParseThreshold(thresholdText, out threshold))
    {
        Console.Error.WriteLine(ParseProblems.Line($"{SiteCommandLine.Name} export-onnx", $"--threshold '{thresholdText}' is not a cosine threshold from -1 to 1"));
        return ExitCodes.UsageError;
    }
    ModelState model;
    long version;
    try
    {
        (model, version) = ModelFile.Read(input);
    }
    catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"{SiteCommandLine.Name}: cannot read the model {input}: {e.Message}");
        return ExitCodes.Failure;
    }
    BackboneOnnx.Export(model, output, $"FedFace global model v{version} from {Path.GetFileName(input)}", new ModelCard(normalization, thresholdText is null ? null : threshold, thresholdSource));
    Console.WriteLine($"wrote {output}: global model v{version}, BatchNorm folded, {normalization} input, sha256 of the backbone {model.ComputeSha256Hex()}");
    return ExitCodes.Success;
}
