"""Chapter 19's quizzes (Deep Q-networks): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "19.q1",
        "CartPole-v1 ends an episode at step 500 with terminated=False, truncated=True. What is the TD target "
        "of that last transition (s, a, r, s')?",
        {
            "a": ("r + gamma * max_a' Q_target(s', a'): the time limit is not part of the task, so the value of s' "
                  "still counts",
                  "Right: the pole is still up and the process would go on; the state holds no clock, so a state "
                  "met at step 500 is the same state met at step 50 and must get the same target. The buffer "
                  "stores `terminated` only (tests/test_dqn.py checks it on an environment that only truncates)."),
            "b": ("r alone, as for any end of episode (done = terminated or truncated)",
                  "No: that is the mix-up the chapter trains. It tells the network that an upright pole in the "
                  "middle of the track is worth 1 at step 500 and about 100 elsewhere, from identical inputs."),
            "c": ("0: the transition is thrown away",
                  "No: the transition is a real step of the environment with a real reward and a real next state; "
                  "gymnasium 1.x returns s' before you reset, so it can be stored like any other."),
        },
        correct="a",
    ),
    Quiz(
        "19.q2",
        "An interview answer runs `next_state, reward, done, _ = env.step(action)` on gymnasium 1.x. What happens?",
        {
            "a": ("ValueError: too many values to unpack, because step returns five values",
                  "Right: gymnasium (and gym since 0.26) returns (obs, reward, terminated, truncated, info), and "
                  "reset returns (obs, info); the chapter runs the old call and prints the error."),
            "b": ("It works: `done` receives terminated or truncated",
                  "No: Python does not merge values when unpacking; five values into four names is an error. "
                  "Even a wrapper that merged them would lose the difference the TD target needs."),
            "c": ("It works but `done` is always False",
                  "No: it never gets that far; unpacking five values into four names raises before `done` exists."),
        },
        correct="a",
    ),
    Quiz(
        "19.q3",
        "Why does DQN compute the target r + gamma * max Q(s', a') with a target network that is only copied "
        "from the online network every few hundred steps?",
        {
            "a": ("So the regression target does not move with every gradient step that changes the prediction",
                  "Right: with the online network in the target, each update of Q(s, a) also shifts Q(s', .) of "
                  "similar states, and the target chases the prediction. The chapter trains the same recipe "
                  "without a target network and shows what it did on this budget."),
            "b": ("To make the target differentiable, so that the gradient reaches both networks",
                  "No: the opposite; the target is a fixed label (no gradient flows into it, see 19.td_target). "
                  "The target network gets no gradient at all, only copies."),
            "c": ("Only to save computation: the target network is smaller",
                  "No: it is an exact copy of the online network, and evaluating it costs as much."),
        },
        correct="a",
    ),
    Quiz(
        "19.q4",
        "Your DQN solves CartPole at one evaluation and you keep training. Which statement about reporting is honest?",
        {
            "a": ("Report the step of the first solving evaluation, and check the stopped policy again on new "
                  "episodes, because the evaluation that stopped the run was chosen for being high",
                  "Right: stopping at the first evaluation over 475 selects a lucky draw; the chapter re-evaluates "
                  "each stopped policy on 100 episodes it has never seen and reports that number too."),
            "b": ("Report the best evaluation seen during the run as the agent's score",
                  "No: the maximum of many noisy evaluations overstates the policy; DQN's greedy policy can also "
                  "get worse with more training, so the best evaluation says little about any single network."),
            "c": ("Report the return of the last training episode, with epsilon-greedy exploration on",
                  "No: that episode mixes random actions into the policy and is one episode on one start state; "
                  "evaluate the greedy policy on several fresh seeds."),
        },
        correct="a",
    ),
]
