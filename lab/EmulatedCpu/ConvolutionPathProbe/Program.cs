using System.Text.Json;
using FedFace.Learning.Numerics;

// Runs the process's convolution path check, as every FedFace process does before its first network, and prints its
// decision: once for people, once as a JSON line ("probe-result {...}") for lab/emulated-avx512.sh. Exit 3 when no layout
// checked out.
try
{
    ConvolutionPathDecision decision = ConvolutionLayoutGuard.Decision;
    Console.WriteLine($"decision: {decision}");
    Report(new
    {
        layout = decision.Layout.Name(),
        forced = decision.Forced,
        cpu = decision.Cpu.Model,
        avx512_flags = decision.Cpu.Avx512Flags,
        @checked = decision.Checked.Select(a => new { layout = a.Layout.Name(), worst_relative_error = a.WorstRelativeError, worst_tensor = a.WorstTensor, agrees = a.Agrees }),
    });
    return 0;
}
catch (UnreliableConvolutionsException e)
{
    Console.WriteLine($"refused: {e.Message}");
    Report(new { refused = e.Message });
    return 3;
}

static void Report(object result) => Console.WriteLine($"probe-result {JsonSerializer.Serialize(result)}");
