/**
 * The built-in verifier templates (`spark`, `processbench`, `thinkprm`; described in
 * src/verify/templates.ts) and their output formats in words (for the meta-critique merge pass).
 * Prompt texts only. No `vscode` import.
 */
import type { VerdictFormat } from "./verification";
import type { VerifierTemplate } from "./verifierTemplate";

/** SPARK's instructions (reference-free), in StepLens's words. */
const SPARK_INSTRUCTIONS = `You are a math teacher checking a student's work. Go through the student's solution one step at a time and find any mistakes. For every step, write your analysis and then a verdict. Check the reasoning, the arithmetic and the logic of each step yourself instead of taking the student's word for it.

Important: every step is either "correct" or "incorrect" - there is no partial credit. A step with any mistake or omission is incorrect.

When you have gone through every step, give your final verdict in the form 'Verification: Is the answer correct (Yes/No)? X', where X is Yes or No.`;

/** SPARK's reference-guided instructions: the solution is also checked against the expected answer. */
const SPARK_INSTRUCTIONS_REFERENCE = `You are a math teacher checking a student's work. Go through the student's solution one step at a time, check whether it arrives at the expected answer, and find any mistakes. For every step, write your analysis and then a verdict. Use the Expected Answer to help you decide whether the student's work is correct.

Important: every step is either "correct" or "incorrect" - there is no partial credit. A step with any mistake or omission is incorrect.

When you have gone through every step, give your final verdict in the form 'Verification: Is the answer correct (Yes/No)? X', where X is Yes or No.`;

interface SparkExample {
  question: string;
  solution: string;
  expected: string;
  verification: string;
}

const SPARK_EXAMPLES: readonly SparkExample[] = [
  {
    question: "A bakery sells muffins for $3 each and cookies for $2 each. Maya buys 4 muffins and 5 cookies. How much does she spend in dollars?",
    solution: `Step 1: Find the cost of the muffins
Each muffin costs $3, so 4 muffins cost $4 \\times 3 = 12$ dollars.

Step 2: Find the cost of the cookies
Each cookie costs $2, so 5 cookies cost $5 \\times 2 = 10$ dollars.

Step 3: Add the two costs
The total is $12 + 10 = 22$ dollars.

Answer: 22`,
    expected: "22",
    verification: `## Step 1: Find the cost of the muffins
The price per muffin is $3 and Maya buys 4 of them, so the muffins cost $4 \\times 3 = 12$ dollars. The multiplication is right and it uses the numbers given in the problem.

**This step is correct.**

## Step 2: Find the cost of the cookies
The price per cookie is $2 and she buys 5, so the cookies cost $5 \\times 2 = 10$ dollars. This is computed correctly.

**This step is correct.**

## Step 3: Add the two costs
Adding the two partial costs gives $12 + 10 = 22$ dollars, which is what she spends in all. The sum is right and it answers the question that was asked.

**This step is correct.**

**Verification: Is the answer correct (Yes/No)? Yes**`,
  },
  {
    question: "A rectangle has a perimeter of 36 cm, and its length is twice its width. What is its area in square centimetres?",
    solution: `Step 1: Name the unknowns
Let the width be $w$ cm. The length is twice the width, so it is $2w$ cm.

Step 2: Use the perimeter
The perimeter is $w + 2w = 36$, so $3w = 36$ and $w = 12$.

Step 3: Find the length
The length is $2w = 24$ cm.

Step 4: Compute the area
The area is $12 \\times 24 = 288$ square centimetres.

Answer: 288`,
    expected: "72",
    verification: `## Step 1: Name the unknowns
Calling the width $w$ and the length $2w$ expresses the condition that the length is twice the width. This is a sound way to set up the problem.

**This step is correct.**

## Step 2: Use the perimeter
The perimeter of a rectangle is $2(\\text{length} + \\text{width}) = 2(2w + w) = 6w$, not $w + 2w$. The student added only one length and one width, so the equation should be $6w = 36$, giving $w = 6$, not $w = 12$.

**This step is incorrect.**

## Step 3: Find the length
Doubling the width is the right method, but it starts from the wrong width of 12. With $w = 6$ the length is $12$ cm, not $24$ cm.

**This step is incorrect.**

## Step 4: Compute the area
Multiplying length by width is the right formula, but both numbers carry the error from Step 2. The area should be $6 \\times 12 = 72$ square centimetres, not 288.

**This step is incorrect.**

**Verification: Is the answer correct (Yes/No)? No**`,
  },
];

function sparkUser(withReference: boolean): string {
  const examples = SPARK_EXAMPLES.map(
    (ex, i) =>
      `Example ${i + 1}:\n\nQuestion:\n${ex.question}\n\nStudent Solution:\n${ex.solution}\n\n${withReference ? `Expected Answer: ${ex.expected}\n\n` : ""}Teacher Verification:\n\n${ex.verification}\n\n---`,
  ).join("\n\n");
  return `${withReference ? SPARK_INSTRUCTIONS_REFERENCE : SPARK_INSTRUCTIONS}

${examples}

Now grade the following student solution step by step in the same way.

Question: {{problem}}

Student Solution: {{solution}}
${withReference ? "\nExpected Answer: {{expected_answer}}\n" : ""}
Teacher Verification:`;
}

const SPARK_USER = sparkUser(false);
const SPARK_USER_REFERENCE = sparkUser(true);

const PROCESSBENCH_USER = `The following is a math problem and a solution, split into paragraphs enclosed in tags and indexed from 0.

[Math Problem]

{{problem}}

[Solution]

{{steps}}
{{reference}}
Review and critique the solution paragraph by paragraph. When you find an error, return the index of the paragraph where the earliest error occurs; if every paragraph is correct, return -1.

Put your final answer (the index, from -1 to {{last_index}}) in \\boxed{}.`;

const THINKPRM_USER = `You are given a math problem and a proposed step-by-step solution:

[Math Problem]

{{problem}}

[Solution]

{{steps}}
{{reference}}
Review and critique each step in the proposed solution to determine whether each step is correct. If the solution is incomplete, only verify the provided steps. For each step write "Step k: <critique> The step is \\boxed{correct}" or "… The step is \\boxed{incorrect}", then end with "Is the solution correct? Yes" or "Is the solution correct? No".

Let's verify step by step:`;

export const BUILTIN_TEMPLATES: Readonly<Record<VerdictFormat, VerifierTemplate>> = {
  spark: { name: "spark", format: "spark", stepStyle: "step", user: SPARK_USER, userWithReference: SPARK_USER_REFERENCE },
  processbench: { name: "processbench", format: "processbench", stepStyle: "paragraph", user: PROCESSBENCH_USER },
  thinkprm: { name: "thinkprm", format: "thinkprm", stepStyle: "step", user: THINKPRM_USER },
};

/** The output format each built-in asks for, described for the meta-critique merge pass. */
export const FORMAT_DESCRIPTIONS: Readonly<Record<VerdictFormat, string>> = {
  spark:
    "one section per step, `## Step k: <analysis>` followed by `**This step is correct.**` or `**This step is incorrect.**`, and the final line `**Verification: Is the answer correct (Yes/No)? X**` with X Yes or No",
  processbench: "a paragraph-by-paragraph review, then the index of the earliest wrong paragraph (0-based, -1 if none) in \\boxed{}",
  thinkprm: 'one line per step, "Step k: <critique> The step is \\boxed{correct}" or "\\boxed{incorrect}", then "Is the solution correct? Yes" or "No"',
};
