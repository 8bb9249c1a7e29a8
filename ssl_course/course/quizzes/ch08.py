"""Chapter 08's quizzes (Transfer learning): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "08.q1",
        "To train a linear probe you set requires_grad=False on every encoder parameter, then run the usual "
        "loop: model.train(), forward, backward, optimizer step on the head. Does the encoder stay the same "
        "function?",
        {
            "a": ("Yes: no parameter gets a gradient, so nothing in the encoder changes.",
                  "No: BatchNorm's running mean and variance are buffers, updated in train mode by every forward "
                  "pass without any gradient. The chapter's drift table shows them moving."),
            "b": ("No: model.train() puts its BatchNorm layers in train mode, so every forward pass moves their "
                  "running statistics, and the features at test time change.",
                  "Right: freezing needs both no gradient and BatchNorm in eval mode, and the eval mode must "
                  "survive the loop's model.train() (freeze's forward pre-hook)."),
            "c": ("No: the optimizer still updates the encoder's weights through weight decay.",
                  "No: a parameter with requires_grad=False gets no gradient, and torch's optimizers skip a "
                  "parameter whose grad is None, decay included. The weights stayed fixed in the drift table."),
            "d": ("Yes, as long as you also call encoder.eval() once before the loop.",
                  "No: model.train() at the start of the loop sets every submodule back to train mode. The "
                  "drift table's 'encoder.eval() only' row moved."),
        },
        correct="b",
    ),
    Quiz(
        "08.q2",
        "Why does the fine-tuning recipe put biases and BatchNorm/LayerNorm scales and shifts in a group "
        "with weight_decay = 0?",
        {
            "a": ("Because they have no gradient.",
                  "No: they have gradients and are trained like every other parameter; only the decay is "
                  "switched off for them."),
            "b": ("Because decay pulls every parameter towards 0, and for an offset or a scale 0 is not a "
                  "simpler model: a BatchNorm scale at 0 switches its channel off.",
                  "Right: weight decay regularises weight matrices; on biases and normalisation parameters it "
                  "only biases them towards a degenerate value, so the common rule (timm's, and SimCLR's and "
                  "BYOL's for LARS) leaves every parameter with fewer than 2 dimensions undecayed."),
            "c": ("Because torch refuses weight decay on 1-dimensional tensors.",
                  "No: torch decays whatever it is given; the grouping is a choice you make."),
            "d": ("Because they belong to the head, which must train faster.",
                  "No: the backbone has biases and norms too; the decay rule is about the kind of parameter, "
                  "the learning rate about where it sits."),
        },
        correct="b",
    ),
    Quiz(
        "08.q3",
        "On digits without augmenting the labelled images, how did the three methods compare at 50 labelled "
        "images per class?",
        {
            "a": ("Fine-tuning the SimCLR encoder beat scratch by more than the spread, as at 1 to 10 labels.",
                  "No: at 50 labels per class the gap closed; fine-tuning and scratch were within their spread "
                  "(asserted). Pre-training bought label efficiency, not a better end point."),
            "b": ("Fine-tuning and scratch were level within the spread; the frozen probe was behind "
                  "fine-tuning.",
                  "Right: with 500 labels the network trained from scratch catches up, and a linear head on "
                  "frozen features cannot adapt them as fine-tuning does."),
            "c": ("The frozen probe was best: frozen features cannot overfit.",
                  "No: at 50 labels per class the probe fell behind fine-tuning beyond the spread (asserted); "
                  "ten linear outputs on fixed features cannot use 500 labels as a network that adapts can."),
            "d": ("Scratch beat both SimCLR methods by more than the spread.",
                  "No: scratch beat the probe, but not fine-tuning, with which it was level."),
        },
        correct="b",
    ),
    Quiz(
        "08.q4",
        "Run offline, what does models.resnet50(pretrained=True) do with a recent torchvision?",
        {
            "a": ("It builds the network with random weights and prints a warning.",
                  "No: pretrained=True is mapped onto weights=IMAGENET1K_V1, which downloads the file; "
                  "offline the download fails with an error."),
            "b": ("It raises TypeError: the argument was removed.",
                  "No: torchvision still accepts it (deprecated since 0.13) and warns; the failure comes from the "
                  "download, as the chapter's cell shows."),
            "c": ("It warns that pretrained is deprecated, tries to download the ImageNet weights and fails "
                  "with a URLError.",
                  "Right: that is what the chapter ran (with ResNet-18), with the course's network guard and "
                  "an empty cache. The modern call, weights=ResNet50_Weights.DEFAULT, downloads just the same; "
                  "with the file in torch's cache either call loads it offline, as the chapter showed."),
            "d": ("It loads weights shipped inside the torchvision package.",
                  "No: torchvision ships no weights; every pretrained model is fetched from download.pytorch.org "
                  "and cached."),
        },
        correct="c",
    ),
]
