package zxcvbn

// Sum is the SHA-256 of the asset (Encode of trustelem/zxcvbn v1.0.1's
// frequency.FrequencyLists, which the server serves). TestSum checks it
// against the library, and the server refuses to start on another: after
// an update of trustelem/zxcvbn, set it to what the test prints.
const Sum = "34a402ebf10d447a65e3ac9cd54f39485df008e08d46c1908727116da38cb774"
